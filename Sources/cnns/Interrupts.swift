import CNNKit
import Foundation
import Synchronization

/// What Ctrl-C (SIGINT) does. `cnns` is the only part of the program that touches signals.
///
/// - In the interactive shell: while a line is being edited, libedit's own handler makes the read fail
///   with EINTR and `LineEditor` turns that into "cancel this entry"; while a statement runs, the handler
///   calls `Engine.requestCancel()`, the engine throws `CancelledError` at its next check, and the shell
///   prints `interrupted` and prompts again.
/// - In scripts, `-e` and piped input: the process ends with status 130. A running statement is first
///   asked to stop (so `fit` can finish its batch and the output so far is complete); a second Ctrl-C, or
///   `gracePeriod` without the engine noticing, ends the process at once.
enum Interrupts {
    enum Policy: Int {
        case shell = 0
        case exit = 1
    }

    /// How long a script's computation may take to notice a cancel before the process is ended anyway.
    static let gracePeriod: TimeInterval = 2

    // Everything the handler reads is an atomic created in `install` before the handler exists: a
    // signal handler must not trigger Swift's lazy global initialisation.
    fileprivate static let policy = Atomic<Int>(Policy.shell.rawValue)
    fileprivate static let busy = Atomic<Bool>(false)
    fileprivate static let count = Atomic<Int>(0)
    fileprivate static let watchdog: UnsafeMutablePointer<sem_t> = {
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
        return semaphore
    }()

    /// Installs the SIGINT handler (with `sigaction`) for the given policy. Call once, early.
    static func install(policy: Policy) {
        // A script started in the background by a non-interactive shell inherits SIGINT ignored, so
        // that Ctrl-C meant for the foreground leaves it alone; like Python, keep it that way. The
        // interactive shell always needs the handler: Ctrl-C is how it cancels a line.
        var current = sigaction()
        if policy == .exit, sigaction(SIGINT, nil, &current) == 0,
           unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
            return
        }
        self.policy.store(policy.rawValue, ordering: .sequentiallyConsistent)
        _ = busy.load(ordering: .relaxed)
        _ = count.load(ordering: .relaxed)
        _ = Engine.isCancelled
        if policy == .exit { startWatchdog() }

        var action = sigaction()
        action.__sigaction_handler.sa_handler = handleSIGINT
        sigemptyset(&action.sa_mask)
        // SA_RESTART: a Ctrl-C during a computation must not make unrelated system calls fail. Line
        // editing still sees EINTR, because libedit installs its own handler (without SA_RESTART) for
        // the duration of each read and forwards the signal to this one.
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        // A parent may hand down a signal mask with SIGINT blocked (threads of many runtimes block
        // signals, and children inherit the spawning thread's mask); a handler we installed must run.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    /// Takes the number of SIGINTs received since the last call (the line editor asks after a read).
    static func take() -> Int { count.exchange(0, ordering: .sequentiallyConsistent) }

    /// Runs one computation with Ctrl-C turned into `Engine.requestCancel()`. Clears any stale cancel
    /// first. Returns `true` when a SIGINT arrived while it ran, even if the
    /// computation swallowed the cancel (as `fit` does, to keep what it learned).
    static func guarding(_ body: () throws -> Void) rethrows -> Bool {
        _ = take()
        Engine.clearCancel()
        busy.store(true, ordering: .sequentiallyConsistent)
        defer {
            busy.store(false, ordering: .sequentiallyConsistent)
            Engine.clearCancel()
        }
        try body()
        return take() > 0
    }

    private static func startWatchdog() {
        let thread = Thread {
            while sem_wait(Interrupts.watchdog) != 0 && errno == EINTR {}
            Thread.sleep(forTimeInterval: gracePeriod)
            _exit(130)
        }
        thread.name = "cnns-sigint-watchdog"
        thread.start()
    }
}

/// The SIGINT handler. Only async-signal-safe work: atomics, `sem_post`, `_exit`.
private func handleSIGINT(_: Int32) {
    let seen = Interrupts.count.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
    let exitPolicy = Interrupts.policy.load(ordering: .relaxed) == Interrupts.Policy.exit.rawValue
    if Interrupts.busy.load(ordering: .sequentiallyConsistent) {
        Engine.requestCancel()
        if exitPolicy {
            if seen >= 2 { _exit(130) }
            sem_post(Interrupts.watchdog)
        }
    } else if exitPolicy {
        _exit(130)
    }
}
