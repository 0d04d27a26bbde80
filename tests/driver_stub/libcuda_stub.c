// A stand-in for libcuda (the CUDA driver API) with no GPU behind it, for
// tests/driver_stub.rs: it exports exactly the entry points cbrng declares
// in cbrng::cuda::REQUIRED_DRIVER_SYMBOLS, so a code path that calls one
// more makes cudarc panic ("Missing symbol") and the test fail. Memory is
// host memory (copies and memsets work); kernels launch and do nothing.
//
// Knobs (environment variables, read on each call):
//   STUB_DRIVER_VERSION   cuDriverGetVersion's answer (default 13000)
//   STUB_CC               compute capability as 10 * major + minor (default 90)
//   STUB_MODULE_LOAD      cuModuleLoadData's result code (default 0 = success)
//   STUB_PTR_DEVICE       the device ordinal every pointer reports (default 0)
//   STUB_MAX_THREADS      CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK (default 1024)
//   STUB_LOG              file that gets one line per cuModuleLoadData call:
//                         "cubin" or "ptx <first .target line>"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;
typedef void* CUevent;
typedef unsigned long long CUdeviceptr;

static long env_or(const char* name, long dflt) {
    const char* v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}
static int ctx_token, module_token, function_token, event_token;
static CUcontext current;

EXPORT CUresult cuInit(unsigned flags) { (void)flags; return 0; }
EXPORT CUresult cuGetErrorString(CUresult e, const char** s) {
    *s = e == 222 ? "the provided PTX was compiled with an unsupported toolchain." : "stub error";
    return 0;
}
EXPORT CUresult cuDriverGetVersion(int* v) { *v = (int)env_or("STUB_DRIVER_VERSION", 13000); return 0; }
EXPORT CUresult cuDeviceGetCount(int* n) { *n = 1; return 0; }
EXPORT CUresult cuDeviceGet(CUdevice* d, int ordinal) { if (ordinal != 0) return 101; *d = 0; return 0; }
EXPORT CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
    (void)d;
    snprintf(name, (size_t)len, "cbrng stub GPU");
    return 0;
}
EXPORT CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice d) {
    (void)d;
    const long cc = env_or("STUB_CC", 90);
    switch (attr) {
        case 75: *v = (int)(cc / 10); break;  // compute capability major
        case 76: *v = (int)(cc % 10); break;  // minor
        case 16: *v = 132; break;             // multiprocessors
        case 1: *v = 1024; break;             // max threads per block
        case 115: *v = 1; break;              // memory pools supported
        default: *v = 0;
    }
    return 0;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) { (void)d; *c = &ctx_token; return 0; }
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) { (void)d; return 0; }
EXPORT CUresult cuCtxSetCurrent(CUcontext c) { current = c; return 0; }
EXPORT CUresult cuCtxGetCurrent(CUcontext* c) { *c = current; return 0; }
EXPORT CUresult cuCtxSynchronize(void) { return 0; }
EXPORT CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    const char* log = getenv("STUB_LOG");
    if (log && *log) {
        FILE* f = fopen(log, "a");
        if (f) {
            const unsigned char* b = (const unsigned char*)image;
            if (b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F') {
                fprintf(f, "cubin\n");
            } else {
                const char* t = strstr((const char*)image, ".target ");
                int n = 0;
                while (t && t[n] && t[n] != '\n') ++n;
                fprintf(f, "ptx %.*s\n", n, t ? t : "");
            }
            fclose(f);
        }
    }
    const long r = env_or("STUB_MODULE_LOAD", 0);
    if (r) return (CUresult)r;
    *m = &module_token;
    return 0;
}
EXPORT CUresult cuModuleUnload(CUmodule m) { (void)m; return 0; }
EXPORT CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    (void)m; (void)name;
    *f = &function_token;
    return 0;
}
EXPORT CUresult cuFuncGetAttribute(int* v, int attr, CUfunction f) {
    (void)f;
    *v = attr == 0 ? (int)env_or("STUB_MAX_THREADS", 1024) : 0;
    return 0;
}
EXPORT CUresult cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* n, CUfunction f, int threads,
                                                                    size_t smem, unsigned flags) {
    (void)f; (void)threads; (void)smem; (void)flags;
    *n = 4;
    return 0;
}
EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned smem, CUstream s, void** params, void** extra) {
    (void)f; (void)gx; (void)gy; (void)gz; (void)bx; (void)by; (void)bz; (void)smem; (void)s;
    (void)params; (void)extra;
    return 0;
}
EXPORT CUresult cuStreamSynchronize(CUstream s) { (void)s; return 0; }
EXPORT CUresult cuStreamWaitEvent(CUstream s, CUevent e, unsigned flags) { (void)s; (void)e; (void)flags; return 0; }
static CUresult alloc(CUdeviceptr* p, size_t n) {
    void* m = aligned_alloc(256, (n + 255) / 256 * 256 + 256);
    if (!m) return 2;
    *p = (CUdeviceptr)(uintptr_t)m;
    return 0;
}
EXPORT CUresult cuMemAllocAsync(CUdeviceptr* p, size_t n, CUstream s) { (void)s; return alloc(p, n); }
EXPORT CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t n) { return alloc(p, n); }
EXPORT CUresult cuMemFreeAsync(CUdeviceptr p, CUstream s) { (void)s; free((void*)(uintptr_t)p); return 0; }
EXPORT CUresult cuMemFree_v2(CUdeviceptr p) { free((void*)(uintptr_t)p); return 0; }
EXPORT CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, CUstream s) {
    (void)s;
    memset((void*)(uintptr_t)p, v, n);
    return 0;
}
EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void* h, size_t n, CUstream s) {
    (void)s;
    memcpy((void*)(uintptr_t)d, h, n);
    return 0;
}
EXPORT CUresult cuMemcpyDtoHAsync_v2(void* h, CUdeviceptr d, size_t n, CUstream s) {
    (void)s;
    memcpy(h, (const void*)(uintptr_t)d, n);
    return 0;
}
EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr src, size_t n, CUstream s) {
    (void)s;
    memmove((void*)(uintptr_t)d, (const void*)(uintptr_t)src, n);
    return 0;
}
EXPORT CUresult cuPointerGetAttribute(void* data, int attr, CUdeviceptr p) {
    (void)p;
    if (attr == 9) { *(int*)data = (int)env_or("STUB_PTR_DEVICE", 0); return 0; }  // device ordinal
    if (attr == 1) { *(CUcontext*)data = &ctx_token; return 0; }                    // context
    return 1;
}
EXPORT CUresult cuEventCreate(CUevent* e, unsigned flags) { (void)flags; *e = &event_token; return 0; }
EXPORT CUresult cuEventRecord(CUevent e, CUstream s) { (void)e; (void)s; return 0; }
EXPORT CUresult cuEventSynchronize(CUevent e) { (void)e; return 0; }
EXPORT CUresult cuEventDestroy_v2(CUevent e) { (void)e; return 0; }
EXPORT CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) { (void)a; (void)b; *ms = 1.0f; return 0; }
