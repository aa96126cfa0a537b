// The library's one native addon (src/lib/platform/native.ts loads it; the library works without
// it, only slower or with less protection). Node-API only, so one build serves every Node version.
//  - map: a file in /dev/shm mapped into this process as an ArrayBuffer. Every process that maps
//    the file sees the same pages, so a read or write of a queue's ledger or of a Value is a
//    memory access instead of a system call.
//  - reserve: the file's pages allocated before it is mapped. tmpfs files are sparse, and a store
//    to a page that a full /dev/shm cannot supply kills the process with SIGBUS; allocated first,
//    a full /dev/shm is an ENOSPC error at creation instead.
//  - dieWithParent: on Linux, the kernel sends a signal to this process when its parent dies
//    (PR_SET_PDEATHSIG), so a child busy in a loop that never reads its IPC channel still ends
//    with its parent.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#define NAPI_VERSION 3
#include <node_api.h>

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value throw_errno(napi_env env, int error, const char *code, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  napi_throw_error(env, code, message);
  return NULL;
}

static int fd_and_length(napi_env env, napi_callback_info info, int32_t *fd, int64_t *length, const char *usage) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], fd) != napi_ok || napi_get_value_int64(env, argv[1], length) != napi_ok || *length <= 0) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

// map(fd, length): ArrayBuffer over the first `length` bytes of the open file `fd`, shared.
static napi_value map(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t length;
  if (!fd_and_length(env, info, &fd, &length, "map(fd, length) takes an open file descriptor and a positive length")) return NULL;
  void *memory = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) return throw_errno(env, errno, "EMMAP", "mmap");
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, memory, (size_t)length, unmap, (void *)(uintptr_t)length, &buffer) != napi_ok) {
    munmap(memory, (size_t)length);
    napi_throw_error(env, NULL, "this Node does not allow external ArrayBuffers");
    return NULL;
  }
  return buffer;
}

// reserve(fd, length): allocates the file's first `length` bytes; throws ENOSPC when there is no room.
static napi_value reserve(napi_env env, napi_callback_info info) {
  int32_t fd;
  int64_t length;
  if (!fd_and_length(env, info, &fd, &length, "reserve(fd, length) takes an open file descriptor and a positive length")) return NULL;
  int error;
  do error = posix_fallocate(fd, 0, (off_t)length); while (error == EINTR);
  // A file system without fallocate (EOPNOTSUPP) is not tmpfs: its pages come from the disk.
  if (error != 0 && error != EOPNOTSUPP && error != EINVAL) return throw_errno(env, error, error == ENOSPC ? "ENOSPC" : "EIO", "posix_fallocate");
  return NULL;
}

// dieWithParent(signal, parentPid): true once the kernel will send `signal` when the parent dies.
// A parent that died before the call (the child's ppid is no longer parentPid) sends it at once.
static napi_value die_with_parent(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t sig, parent;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &sig) != napi_ok || napi_get_value_int32(env, argv[1], &parent) != napi_ok) {
    napi_throw_type_error(env, NULL, "dieWithParent(signal, parentPid) takes two numbers");
    return NULL;
  }
  napi_value result;
#ifdef __linux__
  int ok = prctl(PR_SET_PDEATHSIG, sig) == 0;
  if (ok && getppid() != parent) raise(sig);
  napi_get_boolean(env, ok, &result);
#else
  (void)sig;
  (void)parent;
  napi_get_boolean(env, 0, &result);
#endif
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const struct { const char *name; napi_callback fn; } fns[] = { { "map", map }, { "reserve", reserve }, { "dieWithParent", die_with_parent } };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
