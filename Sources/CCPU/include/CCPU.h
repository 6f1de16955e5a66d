// What the processor is and which vector instructions it (and the operating system) can run, read once
// with CPUID and XGETBV; and the two prefetch hints the GEMM's register block issues.
#ifndef CNNS_CCPU_H
#define CNNS_CCPU_H

#include <stdint.h>

/// Feature bits of `cnns_cpu_info.features`.
#define CNNS_CPU_SSE2 0x1u
#define CNNS_CPU_SSE42 0x2u
#define CNNS_CPU_POPCNT 0x4u
#define CNNS_CPU_AVX 0x8u
#define CNNS_CPU_AVX2 0x10u
#define CNNS_CPU_FMA 0x20u
#define CNNS_CPU_F16C 0x40u
#define CNNS_CPU_BMI1 0x80u
#define CNNS_CPU_BMI2 0x100u
#define CNNS_CPU_LZCNT 0x200u
#define CNNS_CPU_MOVBE 0x400u
#define CNNS_CPU_AVX512F 0x800u
#define CNNS_CPU_AVX512CD 0x1000u
#define CNNS_CPU_AVX512BW 0x2000u
#define CNNS_CPU_AVX512DQ 0x4000u
#define CNNS_CPU_AVX512VL 0x8000u
/// The operating system saves the YMM registers on a context switch (XCR0 bits 1 and 2).
#define CNNS_CPU_OS_YMM 0x10000u
/// The operating system saves the opmask and ZMM registers too (XCR0 bits 5, 6 and 7).
#define CNNS_CPU_OS_ZMM 0x20000u
/// An arm64 processor: Advanced SIMD with fused multiply-add is part of the architecture.
#define CNNS_CPU_NEON 0x40000u

typedef struct {
    uint32_t features;
    uint32_t family, model, stepping;
    char vendor[16];
    char brand[64];
} cnns_cpu_info;

/// Fills `info` from CPUID (x86-64) or with the architecture's baseline (elsewhere).
void cnns_cpu_identify(cnns_cpu_info *info);

/// The processors this process may run on (its affinity mask), at least 1.
int cnns_cpu_count(void);

static inline void cnns_prefetch_write(const void *p) { __builtin_prefetch(p, 1, 3); }
static inline void cnns_prefetch_read(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
