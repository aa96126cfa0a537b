// mmap for the library's shared memory (src/lib/shared-memory.ts): a file in /dev/shm mapped
// into this process, handed to JavaScript as an ArrayBuffer. Every process that maps the file
// sees the same pages, so a read or write of the ledger of a queue, or of a Value, is a memory
// access instead of a system call. Node-API only, so one build serves every Node version.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#define NAPI_VERSION 3
#include <node_api.h>

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, "EMMAP", message);
  return NULL;
}

// map(fd, length): ArrayBuffer over the first `length` bytes of the open file `fd`, shared.
static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  int64_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &length) != napi_ok || length <= 0) {
    napi_throw_type_error(env, NULL, "map(fd, length) takes an open file descriptor and a positive length");
    return NULL;
  }
  void *memory = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) return throw_errno(env, "mmap");
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, memory, (size_t)length, unmap, (void *)(uintptr_t)length, &buffer) != napi_ok) {
    munmap(memory, (size_t)length);
    napi_throw_error(env, NULL, "this Node does not allow external ArrayBuffers");
    return NULL;
  }
  return buffer;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", fn) != napi_ok) return NULL;
  return exports;
}
