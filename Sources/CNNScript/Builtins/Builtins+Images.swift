// Owned by one piece of work at a time; see CONTRIBUTING.md. Registered in Builtins.all.
extension Builtins {
    static let images: [Builtin] = []
}
