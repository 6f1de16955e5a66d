// OpenBLAS' cblas.h also declares openblas_set_num_threads, which the engine uses for --threads.
#include <cblas.h>
