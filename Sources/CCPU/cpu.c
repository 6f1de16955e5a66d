#define _GNU_SOURCE
#include "CCPU.h"
#include <sched.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

void cnns_cpu_identify(cnns_cpu_info *info) {
    memset(info, 0, sizeof *info);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned maxLeaf = a;
    memcpy(info->vendor, &b, 4);
    memcpy(info->vendor + 4, &d, 4);
    memcpy(info->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    unsigned baseFamily = (a >> 8) & 0xf, baseModel = (a >> 4) & 0xf;
    info->family = baseFamily == 0xf ? baseFamily + ((a >> 20) & 0xff) : baseFamily;
    info->model = (baseFamily == 0x6 || baseFamily == 0xf) ? (((a >> 16) & 0xf) << 4) + baseModel : baseModel;
    info->stepping = a & 0xf;
    uint32_t f = 0;
    if (d & (1u << 26)) f |= CNNS_CPU_SSE2;
    if (c & (1u << 20)) f |= CNNS_CPU_SSE42;
    if (c & (1u << 23)) f |= CNNS_CPU_POPCNT;
    if (c & (1u << 28)) f |= CNNS_CPU_AVX;
    if (c & (1u << 12)) f |= CNNS_CPU_FMA;
    if (c & (1u << 29)) f |= CNNS_CPU_F16C;
    if (c & (1u << 22)) f |= CNNS_CPU_MOVBE;
    // The registers are usable only when the OS enabled XSAVE and saves their state.
    if (c & (1u << 27)) {
        uint64_t xcr0 = read_xcr0();
        if ((xcr0 & 0x6) == 0x6) f |= CNNS_CPU_OS_YMM;
        if ((xcr0 & 0xe6) == 0xe6) f |= CNNS_CPU_OS_ZMM;
    }
    if (maxLeaf >= 7) {
        __get_cpuid_count(7, 0, &a, &b, &c, &d);
        if (b & (1u << 3)) f |= CNNS_CPU_BMI1;
        if (b & (1u << 5)) f |= CNNS_CPU_AVX2;
        if (b & (1u << 8)) f |= CNNS_CPU_BMI2;
        if (b & (1u << 16)) f |= CNNS_CPU_AVX512F;
        if (b & (1u << 17)) f |= CNNS_CPU_AVX512DQ;
        if (b & (1u << 28)) f |= CNNS_CPU_AVX512CD;
        if (b & (1u << 30)) f |= CNNS_CPU_AVX512BW;
        if (b & (1u << 31)) f |= CNNS_CPU_AVX512VL;
    }
    if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000001) {
        unsigned maxExtended = a;
        __get_cpuid(0x80000001, &a, &b, &c, &d);
        if (c & (1u << 5)) f |= CNNS_CPU_LZCNT;
        if (maxExtended >= 0x80000004) {
            unsigned regs[12];
            for (unsigned i = 0; i < 3; i++)
                __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
            memcpy(info->brand, regs, 48);
            info->brand[48] = 0;
        }
    }
    info->features = f;
}

#else

void cnns_cpu_identify(cnns_cpu_info *info) {
    memset(info, 0, sizeof *info);
#if defined(__aarch64__)
    info->features = CNNS_CPU_NEON;
    strcpy(info->vendor, "arm64");
#endif
}

#endif

int cnns_cpu_count(void) {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
