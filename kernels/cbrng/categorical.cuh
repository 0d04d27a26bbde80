// The categorical index, twin of src/dist/categorical.rs (index_of): the
// number of thresholds t[0..len) that are <= x, by the same binary search.
// t is the table Categorical::thresholds() uploaded to the device
// (non-decreasing u64); every read is inside [0, len).
#ifndef CBRNG_CATEGORICAL_CUH
#define CBRNG_CATEGORICAL_CUH
#include "config.cuh"

CBRNG_FN cbrng_u32 cbrng_categorical_index(const cbrng_u64* t, cbrng_u64 len, cbrng_u64 x) {
    cbrng_u64 lo = 0, hi = len;
    while (lo < hi) {
        const cbrng_u64 mid = lo + (hi - lo) / 2;
        if (t[mid] <= x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (cbrng_u32)lo;
}

#endif  // CBRNG_CATEGORICAL_CUH
