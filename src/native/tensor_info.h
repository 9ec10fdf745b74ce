// Describing TFLite tensors to JavaScript.
#pragma once

#include <napi.h>

#include "tflite_api.h"

namespace edgepipe {

// Bytes per element, or 0 for types without a fixed size (string, resource, variant).
size_t ElementBytes(TfLiteType type);

// The lower-case dtype name used across edgepipe ('int8', 'uint8', 'float32', ...).
const char* DtypeName(TfLiteType type);

// {index, name, dtype, shape, bytes, quantization: {scale, zeroPoint, scales, zeroPoints, axis} | null}
Napi::Object DescribeTensor(Napi::Env env, const TfLiteApi& api, const TfLiteTensor* tensor, int index);

}  // namespace edgepipe
