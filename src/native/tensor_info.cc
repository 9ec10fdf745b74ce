#include "tensor_info.h"

namespace edgepipe {

size_t ElementBytes(TfLiteType type) {
  switch (type) {
    case kTfLiteBool:
    case kTfLiteUInt8:
    case kTfLiteInt8:
      return 1;
    case kTfLiteInt16:
    case kTfLiteFloat16:
      return 2;
    case kTfLiteFloat32:
    case kTfLiteInt32:
    case kTfLiteUInt32:
      return 4;
    case kTfLiteInt64:
    case kTfLiteUInt64:
    case kTfLiteFloat64:
    case kTfLiteComplex64:
      return 8;
    case kTfLiteComplex128:
      return 16;
    default:
      return 0;
  }
}

const char* DtypeName(TfLiteType type) {
  switch (type) {
    case kTfLiteFloat32: return "float32";
    case kTfLiteInt32: return "int32";
    case kTfLiteUInt8: return "uint8";
    case kTfLiteInt64: return "int64";
    case kTfLiteString: return "string";
    case kTfLiteBool: return "bool";
    case kTfLiteInt16: return "int16";
    case kTfLiteComplex64: return "complex64";
    case kTfLiteInt8: return "int8";
    case kTfLiteFloat16: return "float16";
    case kTfLiteFloat64: return "float64";
    case kTfLiteComplex128: return "complex128";
    case kTfLiteUInt64: return "uint64";
    case kTfLiteUInt32: return "uint32";
    default: return "unknown";
  }
}

Napi::Object DescribeTensor(Napi::Env env, const TfLiteApi& api, const TfLiteTensor* tensor, int index) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("index", index);
  const char* name = api.TensorName(tensor);
  out.Set("name", name ? name : "");
  TfLiteType type = api.TensorType(tensor);
  out.Set("dtype", DtypeName(type));
  int32_t rank = api.TensorNumDims(tensor);
  Napi::Array shape = Napi::Array::New(env, rank > 0 ? rank : 0);
  for (int32_t d = 0; d < rank; ++d) shape.Set(static_cast<uint32_t>(d), api.TensorDim(tensor, d));
  out.Set("shape", shape);
  out.Set("bytes", static_cast<double>(api.TensorByteSize(tensor)));

  // Per-channel parameters live only in the struct (the C API exposes the per-tensor pair); the struct layout
  // comes from the same headers as the library version we load.
  if (tensor->quantization.type == kTfLiteAffineQuantization && tensor->quantization.params != nullptr) {
    auto* affine = static_cast<const TfLiteAffineQuantization*>(tensor->quantization.params);
    Napi::Object q = Napi::Object::New(env);
    TfLiteQuantizationParams pair = api.TensorQuantizationParams(tensor);
    q.Set("scale", pair.scale);
    q.Set("zeroPoint", pair.zero_point);
    int n = affine->scale ? affine->scale->size : 0;
    Napi::Array scales = Napi::Array::New(env, n);
    Napi::Array zero_points = Napi::Array::New(env, n);
    for (int i = 0; i < n; ++i) {
      scales.Set(static_cast<uint32_t>(i), affine->scale->data[i]);
      int zp = (affine->zero_point && i < affine->zero_point->size) ? affine->zero_point->data[i] : 0;
      zero_points.Set(static_cast<uint32_t>(i), zp);
    }
    q.Set("scales", scales);
    q.Set("zeroPoints", zero_points);
    q.Set("axis", affine->quantized_dimension);
    out.Set("quantization", q);
  } else {
    out.Set("quantization", env.Null());
  }
  return out;
}

}  // namespace edgepipe
