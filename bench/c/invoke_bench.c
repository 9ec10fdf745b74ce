/*
 * invoke_bench: the plain-C reference for edgepipe's benchmark. It loads libtensorflowlite_c (given by
 * path, with dlopen), a model, optionally the built-in XNNPACK delegate, fills every input with a fixed
 * pattern once, runs warm-up invokes, then times each TfLiteInterpreterInvoke with
 * clock_gettime(CLOCK_MONOTONIC) and prints one JSON line:
 *
 *   {"model":"m.tflite","delegate":"xnnpack","threads":2,"runs":200,
 *    "invoke_ms":{"min":..,"p50":..,"p90":..,"p99":..,"max":..}}
 *
 * usage: invoke_bench --lib libtensorflowlite_c.so --model m.tflite [--threads N] [--delegate none|xnnpack]
 *                     [--xnnpack-flags N] [--runs N] [--warmup N]
 *   --threads N        interpreter threads and XNNPACK threads (default 1)
 *   --delegate         none (default): TFLite's built-in CPU kernels; xnnpack: TfLiteXNNPackDelegateCreate
 *   --xnnpack-flags N  XNNPACK flags (TFLite 2.9: bit 0 = QS8 signed int8, bit 1 = QU8 unsigned);
 *                      default 1 (QS8)
 *   --runs N           timed invokes (default 100);  --warmup N  untimed invokes first (default 10)
 * Percentiles are nearest-rank: pXX is the ceil(XX/100 * runs)-th smallest time. Times are printed in
 * milliseconds with 6 decimals (nanoseconds): a tiny model's invoke takes about a microsecond.
 * Input pattern: float32 inputs get element i = (i % 256) / 255; other types get byte i = (7 * i + 3) & 0xff.
 * Errors go to stderr with exit status 1 (2 for bad usage); a delegate that fails is never silently dropped.
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/lite/c/c_api.h"

/* TfLiteXNNPackDelegateOptions of TFLite 2.9 (no header ships with the C library). Later versions append
 * fields; the options are passed in a zeroed block large enough for them, where zero means default. */
typedef struct {
  int32_t num_threads;
  uint32_t flags;
} XnnpackOptions29;

typedef struct {
  XnnpackOptions29 head;
  unsigned char padding[248];
} XnnpackOptionsBlock;

/* The C API, resolved from the library given on the command line. */
typedef struct {
  const char* (*Version)(void);
  TfLiteModel* (*ModelCreateFromFile)(const char*);
  void (*ModelDelete)(TfLiteModel*);
  TfLiteInterpreterOptions* (*OptionsCreate)(void);
  void (*OptionsDelete)(TfLiteInterpreterOptions*);
  void (*OptionsSetNumThreads)(TfLiteInterpreterOptions*, int32_t);
  void (*OptionsAddDelegate)(TfLiteInterpreterOptions*, TfLiteDelegate*);
  void (*OptionsSetErrorReporter)(TfLiteInterpreterOptions*, void (*)(void*, const char*, va_list), void*);
  TfLiteInterpreter* (*InterpreterCreate)(const TfLiteModel*, const TfLiteInterpreterOptions*);
  void (*InterpreterDelete)(TfLiteInterpreter*);
  TfLiteStatus (*AllocateTensors)(TfLiteInterpreter*);
  TfLiteStatus (*Invoke)(TfLiteInterpreter*);
  int32_t (*GetInputTensorCount)(const TfLiteInterpreter*);
  TfLiteTensor* (*GetInputTensor)(const TfLiteInterpreter*, int32_t);
  TfLiteType (*TensorType)(const TfLiteTensor*);
  size_t (*TensorByteSize)(const TfLiteTensor*);
  void* (*TensorData)(const TfLiteTensor*);
  TfLiteDelegate* (*XnnpackCreate)(const void*);
  void (*XnnpackDelete)(TfLiteDelegate*);
} Api;

static void Fail(const char* format, ...) __attribute__((format(printf, 1, 2), noreturn));
static void Fail(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("invoke_bench: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static void* Symbol(void* library, const char* name, int required) {
  void* symbol = dlsym(library, name);
  if (symbol == NULL && required) Fail("symbol %s not found in the TensorFlow Lite library", name);
  return symbol;
}

static void LoadApi(const char* path, Api* api) {
  void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) Fail("cannot load %s: %s", path, dlerror());
  /* Casting object pointers to function pointers is what dlsym requires on POSIX. */
#define LOAD(field, name) *(void**)(&api->field) = Symbol(library, name, 1)
  LOAD(Version, "TfLiteVersion");
  LOAD(ModelCreateFromFile, "TfLiteModelCreateFromFile");
  LOAD(ModelDelete, "TfLiteModelDelete");
  LOAD(OptionsCreate, "TfLiteInterpreterOptionsCreate");
  LOAD(OptionsDelete, "TfLiteInterpreterOptionsDelete");
  LOAD(OptionsSetNumThreads, "TfLiteInterpreterOptionsSetNumThreads");
  LOAD(OptionsAddDelegate, "TfLiteInterpreterOptionsAddDelegate");
  LOAD(OptionsSetErrorReporter, "TfLiteInterpreterOptionsSetErrorReporter");
  LOAD(InterpreterCreate, "TfLiteInterpreterCreate");
  LOAD(InterpreterDelete, "TfLiteInterpreterDelete");
  LOAD(AllocateTensors, "TfLiteInterpreterAllocateTensors");
  LOAD(Invoke, "TfLiteInterpreterInvoke");
  LOAD(GetInputTensorCount, "TfLiteInterpreterGetInputTensorCount");
  LOAD(GetInputTensor, "TfLiteInterpreterGetInputTensor");
  LOAD(TensorType, "TfLiteTensorType");
  LOAD(TensorByteSize, "TfLiteTensorByteSize");
  LOAD(TensorData, "TfLiteTensorData");
#undef LOAD
  *(void**)(&api->XnnpackCreate) = Symbol(library, "TfLiteXNNPackDelegateCreate", 0);
  *(void**)(&api->XnnpackDelete) = Symbol(library, "TfLiteXNNPackDelegateDelete", 0);
}

static void ReportTfliteError(void* user_data, const char* format, va_list args) {
  (void)user_data;
  fputs("tflite: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
}

static long ParseLong(const char* flag, const char* text, long min, long max) {
  errno = 0;
  char* end = NULL;
  const long value = strtol(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "invoke_bench: %s needs an integer in [%ld, %ld], got '%s'\n", flag, min, max, text);
    exit(2);
  }
  return value;
}

static double NowMs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int CompareDoubles(const void* a, const void* b) {
  const double x = *(const double*)a;
  const double y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double Percentile(const double* sorted, int count, double percent) {
  int rank = (int)ceil(percent / 100.0 * count);
  if (rank < 1) rank = 1;
  if (rank > count) rank = count;
  return sorted[rank - 1];
}

static void PrintJsonString(const char* text) {
  putchar('"');
  for (const unsigned char* c = (const unsigned char*)text; *c != '\0'; ++c) {
    if (*c == '"' || *c == '\\') {
      printf("\\%c", *c);
    } else if (*c < 0x20) {
      printf("\\u%04x", *c);
    } else {
      putchar(*c);
    }
  }
  putchar('"');
}

static void FillInputs(const Api* api, TfLiteInterpreter* interpreter) {
  const int32_t count = api->GetInputTensorCount(interpreter);
  for (int32_t t = 0; t < count; ++t) {
    TfLiteTensor* tensor = api->GetInputTensor(interpreter, t);
    const size_t bytes = api->TensorByteSize(tensor);
    void* data = api->TensorData(tensor);
    if (data == NULL) Fail("input %d has no data after AllocateTensors", (int)t);
    if (api->TensorType(tensor) == kTfLiteFloat32) {
      float* values = (float*)data;
      for (size_t i = 0; i < bytes / sizeof(float); ++i) values[i] = (float)(i % 256) / 255.0f;
    } else {
      uint8_t* values = (uint8_t*)data;
      for (size_t i = 0; i < bytes; ++i) values[i] = (uint8_t)((7 * i + 3) & 0xff);
    }
  }
}

static void Usage(void) {
  fprintf(stderr,
          "usage: invoke_bench --lib libtensorflowlite_c.so --model m.tflite [--threads N]\n"
          "                    [--delegate none|xnnpack] [--xnnpack-flags N] [--runs N] [--warmup N]\n");
  exit(2);
}

int main(int argc, char** argv) {
  const char* lib_path = NULL;
  const char* model_path = NULL;
  const char* delegate_name = "none";
  int threads = 1;
  uint32_t xnnpack_flags = 1; /* QS8 */
  int runs = 100;
  int warmup = 10;

  for (int i = 1; i < argc; ++i) {
    const char* flag = argv[i];
    if (i + 1 >= argc) Usage();
    const char* value = argv[++i];
    if (strcmp(flag, "--lib") == 0) {
      lib_path = value;
    } else if (strcmp(flag, "--model") == 0) {
      model_path = value;
    } else if (strcmp(flag, "--delegate") == 0) {
      if (strcmp(value, "none") != 0 && strcmp(value, "xnnpack") != 0) Usage();
      delegate_name = value;
    } else if (strcmp(flag, "--threads") == 0) {
      threads = (int)ParseLong(flag, value, 1, 256);
    } else if (strcmp(flag, "--xnnpack-flags") == 0) {
      xnnpack_flags = (uint32_t)ParseLong(flag, value, 0, UINT32_MAX);
    } else if (strcmp(flag, "--runs") == 0) {
      runs = (int)ParseLong(flag, value, 1, 10000000);
    } else if (strcmp(flag, "--warmup") == 0) {
      warmup = (int)ParseLong(flag, value, 0, 10000000);
    } else {
      Usage();
    }
  }
  if (lib_path == NULL || model_path == NULL) Usage();
  const int use_xnnpack = strcmp(delegate_name, "xnnpack") == 0;

  Api api;
  LoadApi(lib_path, &api);

  TfLiteModel* model = api.ModelCreateFromFile(model_path);
  if (model == NULL) Fail("cannot load model %s", model_path);

  TfLiteDelegate* delegate = NULL;
  if (use_xnnpack) {
    if (api.XnnpackCreate == NULL || api.XnnpackDelete == NULL) {
      Fail("%s has no built-in XNNPACK (TfLiteXNNPackDelegateCreate missing)", lib_path);
    }
    XnnpackOptionsBlock options;
    memset(&options, 0, sizeof options);
    options.head.num_threads = threads;
    options.head.flags = xnnpack_flags;
    delegate = api.XnnpackCreate(&options);
    if (delegate == NULL) Fail("TfLiteXNNPackDelegateCreate returned null");
  }

  TfLiteInterpreterOptions* options = api.OptionsCreate();
  api.OptionsSetNumThreads(options, threads);
  api.OptionsSetErrorReporter(options, ReportTfliteError, NULL);
  if (delegate != NULL) api.OptionsAddDelegate(options, delegate);
  TfLiteInterpreter* interpreter = api.InterpreterCreate(model, options);
  api.OptionsDelete(options);
  if (interpreter == NULL) {
    Fail("interpreter creation failed for %s with delegate %s (TFLite %s)", model_path, delegate_name,
         api.Version());
  }
  if (api.AllocateTensors(interpreter) != kTfLiteOk) Fail("AllocateTensors failed");
  FillInputs(&api, interpreter);

  for (int i = 0; i < warmup; ++i) {
    if (api.Invoke(interpreter) != kTfLiteOk) Fail("warm-up invoke %d failed", i + 1);
  }
  double* times = (double*)malloc(sizeof(double) * (size_t)runs);
  if (times == NULL) Fail("out of memory");
  for (int i = 0; i < runs; ++i) {
    const double start = NowMs();
    const TfLiteStatus status = api.Invoke(interpreter);
    times[i] = NowMs() - start;
    if (status != kTfLiteOk) Fail("invoke %d failed", i + 1);
  }
  qsort(times, (size_t)runs, sizeof(double), CompareDoubles);

  printf("{\"model\":");
  PrintJsonString(model_path);
  printf(",\"delegate\":\"%s\",\"threads\":%d,\"runs\":%d,", delegate_name, threads, runs);
  printf("\"invoke_ms\":{\"min\":%.6f,\"p50\":%.6f,\"p90\":%.6f,\"p99\":%.6f,\"max\":%.6f}}\n", times[0],
         Percentile(times, runs, 50), Percentile(times, runs, 90), Percentile(times, runs, 99), times[runs - 1]);
  fflush(stdout);

  free(times);
  api.InterpreterDelete(interpreter);
  if (delegate != NULL) api.XnnpackDelete(delegate);
  api.ModelDelete(model);
  return 0;
}
