// Linked into the prebuilt binaries only (binding.gyp, edgepipe_portable=1; scripts/build-prebuilds.sh). They are
// built on Debian 12 (glibc 2.36, GCC 12) but must load on glibc 2.28 (Debian 10, Ubuntu 20.04, Raspberry Pi OS
// Bullseye, JetPack 5), with libstdc++ linked in (-static-libstdc++) because those systems ship an older one.
//
// Every reference, ours and libstdc++.a's, to a glibc function whose default symbol version is newer than 2.28 is
// redirected here by the linker (-Wl,--wrap=NAME) and bound to the version that glibc 2.28 has:
// - glibc 2.34 moved dlopen/dlsym/dlerror/dlclose (from libdl) and the pthread functions (from libpthread) into
//   libc under GLIBC_2.34; libc still exports the old versions, and on older glibc libdl.so.2 and libpthread.so.0
//   (linked explicitly, -l:libdl.so.2 -l:libpthread.so.0) define them.
// - libstdc++.a's std::random_device (never used by edgepipe, but linked in with std::string) calls arc4random,
//   new in glibc 2.36: getrandom (2.25) gives the same bytes.
// - GCC 12's libstdc++ reads __libc_single_threaded (glibc 2.32) to skip atomic reference counts: a private copy
//   that stays 0 ("threads may exist") is always correct.
// test/native/prebuilds.test.ts checks the result with objdump -T.
#include <dlfcn.h>
#include <pthread.h>
#include <sys/random.h>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#if defined(__x86_64__)
#define EDGEPIPE_OLD "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define EDGEPIPE_OLD "GLIBC_2.17"
#else
#error "prebuilt binaries are made for x86_64 and aarch64 only"
#endif

#define EDGEPIPE_BIND_OLD(name) __asm__(".symver edgepipe_old_" #name "," #name "@" EDGEPIPE_OLD)
#define EDGEPIPE_HIDDEN __attribute__((visibility("hidden")))

extern "C" {
EDGEPIPE_HIDDEN char __libc_single_threaded = 0;

void* edgepipe_old_dlopen(const char* file, int mode);
void* edgepipe_old_dlsym(void* handle, const char* name);
char* edgepipe_old_dlerror(void);
int edgepipe_old_dlclose(void* handle);
int edgepipe_old_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg);
int edgepipe_old_pthread_join(pthread_t thread, void** result);
int edgepipe_old_pthread_detach(pthread_t thread);
int edgepipe_old_pthread_once(pthread_once_t* once, void (*init)(void));
int edgepipe_old_pthread_key_create(pthread_key_t* key, void (*destructor)(void*));
int edgepipe_old___pthread_key_create(pthread_key_t* key, void (*destructor)(void*));
int edgepipe_old_pthread_key_delete(pthread_key_t key);
void* edgepipe_old_pthread_getspecific(pthread_key_t key);
int edgepipe_old_pthread_setspecific(pthread_key_t key, const void* value);
EDGEPIPE_BIND_OLD(dlopen);
EDGEPIPE_BIND_OLD(dlsym);
EDGEPIPE_BIND_OLD(dlerror);
EDGEPIPE_BIND_OLD(dlclose);
EDGEPIPE_BIND_OLD(pthread_create);
EDGEPIPE_BIND_OLD(pthread_join);
EDGEPIPE_BIND_OLD(pthread_detach);
EDGEPIPE_BIND_OLD(pthread_once);
EDGEPIPE_BIND_OLD(pthread_key_create);
EDGEPIPE_BIND_OLD(__pthread_key_create);
EDGEPIPE_BIND_OLD(pthread_key_delete);
EDGEPIPE_BIND_OLD(pthread_getspecific);
EDGEPIPE_BIND_OLD(pthread_setspecific);

EDGEPIPE_HIDDEN void* __wrap_dlopen(const char* file, int mode) { return edgepipe_old_dlopen(file, mode); }
EDGEPIPE_HIDDEN void* __wrap_dlsym(void* handle, const char* name) { return edgepipe_old_dlsym(handle, name); }
EDGEPIPE_HIDDEN char* __wrap_dlerror(void) { return edgepipe_old_dlerror(); }
EDGEPIPE_HIDDEN int __wrap_dlclose(void* handle) { return edgepipe_old_dlclose(handle); }
EDGEPIPE_HIDDEN int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  return edgepipe_old_pthread_create(thread, attr, start, arg);
}
EDGEPIPE_HIDDEN int __wrap_pthread_join(pthread_t thread, void** result) { return edgepipe_old_pthread_join(thread, result); }
EDGEPIPE_HIDDEN int __wrap_pthread_detach(pthread_t thread) { return edgepipe_old_pthread_detach(thread); }
EDGEPIPE_HIDDEN int __wrap_pthread_once(pthread_once_t* once, void (*init)(void)) { return edgepipe_old_pthread_once(once, init); }
EDGEPIPE_HIDDEN int __wrap_pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return edgepipe_old_pthread_key_create(key, destructor);
}
EDGEPIPE_HIDDEN int __wrap___pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return edgepipe_old___pthread_key_create(key, destructor);
}
EDGEPIPE_HIDDEN int __wrap_pthread_key_delete(pthread_key_t key) { return edgepipe_old_pthread_key_delete(key); }
EDGEPIPE_HIDDEN void* __wrap_pthread_getspecific(pthread_key_t key) { return edgepipe_old_pthread_getspecific(key); }
EDGEPIPE_HIDDEN int __wrap_pthread_setspecific(pthread_key_t key, const void* value) {
  return edgepipe_old_pthread_setspecific(key, value);
}

EDGEPIPE_HIDDEN uint32_t __wrap_arc4random(void) {
  uint32_t value;
  for (;;) {
    ssize_t got = getrandom(&value, sizeof value, 0);
    if (got == static_cast<ssize_t>(sizeof value)) return value;
    if (got < 0 && errno != EINTR) abort();  // as arc4random does: it has no way to report a failure
  }
}
}
