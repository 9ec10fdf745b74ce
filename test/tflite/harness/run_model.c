/*
 * Test harness: runs a .tflite model once with the TFLite C API (builtin op resolver, default
 * options), to check models written by src/tflite/writer.ts against the TypeScript reference
 * kernels without depending on the project's native addon.
 *
 *   run_model [--threads N] model.tflite [input0.bin input1.bin ...]
 *
 * Each input file holds the raw bytes of one input tensor (exactly TfLiteTensorByteSize bytes).
 * Prints one line per input and output tensor:
 *   input|output <index> <TfLiteType code> <dim,dim,...> <bytes as lowercase hex>
 * (inputs are printed without data). Errors go to stderr; exit codes: 1 usage or I/O,
 * 2 model load, 3 interpreter creation, 4 AllocateTensors, 5 input size mismatch, 6 Invoke.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorflow/lite/c/c_api.h"

static void report(void* user_data, const char* format, va_list args) {
  (void)user_data;
  fputs("tflite: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
}

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return NULL; }
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
  unsigned char* data = malloc(n > 0 ? (size_t)n : 1);
  if (data && fread(data, 1, (size_t)n, f) != (size_t)n) { free(data); data = NULL; }
  fclose(f);
  *size = (size_t)n;
  return data;
}

static void print_tensor(const char* kind, int index, const TfLiteTensor* t, int with_data) {
  printf("%s %d %d ", kind, index, (int)TfLiteTensorType(t));
  int dims = TfLiteTensorNumDims(t);
  if (dims == 0) printf("-");
  for (int d = 0; d < dims; d++) printf(d ? ",%d" : "%d", TfLiteTensorDim(t, d));
  printf(" ");
  const unsigned char* data = (const unsigned char*)TfLiteTensorData(t);
  size_t bytes = TfLiteTensorByteSize(t);
  if (!with_data || !data || bytes == 0) printf("-");
  else for (size_t i = 0; i < bytes; i++) printf("%02x", data[i]);
  printf("\n");
}

int main(int argc, char** argv) {
  int threads = 1;
  int arg = 1;
  if (arg + 1 < argc && strcmp(argv[arg], "--threads") == 0) { threads = atoi(argv[arg + 1]); arg += 2; }
  if (arg >= argc) {
    fprintf(stderr, "usage: %s [--threads N] model.tflite [input.bin ...]\n", argv[0]);
    return 1;
  }
  const char* model_path = argv[arg++];
  size_t model_size = 0;
  unsigned char* model_data = read_file(model_path, &model_size);
  if (!model_data) { fprintf(stderr, "cannot read %s\n", model_path); return 1; }

  TfLiteModel* model = TfLiteModelCreate(model_data, model_size);
  if (!model) { fprintf(stderr, "TfLiteModelCreate failed for %s\n", model_path); return 2; }
  TfLiteInterpreterOptions* options = TfLiteInterpreterOptionsCreate();
  TfLiteInterpreterOptionsSetNumThreads(options, threads);
  TfLiteInterpreterOptionsSetErrorReporter(options, report, NULL);
  TfLiteInterpreter* interpreter = TfLiteInterpreterCreate(model, options);
  if (!interpreter) { fprintf(stderr, "TfLiteInterpreterCreate failed\n"); return 3; }
  if (TfLiteInterpreterAllocateTensors(interpreter) != kTfLiteOk) {
    fprintf(stderr, "TfLiteInterpreterAllocateTensors failed\n");
    return 4;
  }

  int inputs = TfLiteInterpreterGetInputTensorCount(interpreter);
  for (int i = 0; i < inputs; i++) {
    TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interpreter, i);
    print_tensor("input", i, t, 0);
    if (arg + i >= argc) continue; /* inputs without a file keep their (zeroed) contents */
    size_t size = 0;
    unsigned char* data = read_file(argv[arg + i], &size);
    if (!data) { fprintf(stderr, "cannot read %s\n", argv[arg + i]); return 1; }
    if (size != TfLiteTensorByteSize(t)) {
      fprintf(stderr, "input %d: %s has %zu bytes, tensor needs %zu\n", i, argv[arg + i], size, TfLiteTensorByteSize(t));
      return 5;
    }
    if (TfLiteTensorCopyFromBuffer(t, data, size) != kTfLiteOk) return 5;
    free(data);
  }
  if (TfLiteInterpreterInvoke(interpreter) != kTfLiteOk) { fprintf(stderr, "TfLiteInterpreterInvoke failed\n"); return 6; }
  int outputs = TfLiteInterpreterGetOutputTensorCount(interpreter);
  for (int i = 0; i < outputs; i++) print_tensor("output", i, TfLiteInterpreterGetOutputTensor(interpreter, i), 1);

  TfLiteInterpreterDelete(interpreter);
  TfLiteInterpreterOptionsDelete(options);
  TfLiteModelDelete(model);
  free(model_data);
  return 0;
}
