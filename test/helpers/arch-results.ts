/**
 * Expected results that differ by architecture because TFLite's kernels do, not because edgepipe does.
 *
 * TFLite 2.9's arm64 kernels round exact halves differently from its x86 ones (QUANTIZE rounds ties to even on
 * arm64, away from zero on x86; the requantisation in the Neon paths differs from ruy's AVX paths in the last
 * bit), so a quantised output can land a step or two away (test/tflite/harness.test.ts shows the QUANTIZE case
 * on written models). Each value here was measured with tfjs-tflite-node's library for that architecture
 * (arm64 under qemu-user, scripts/arm64-test.sh) and says how far apart the two are; everything else about the
 * result (classes, order, boxes) is expected to be the same everywhere.
 */

/** The value for this process's architecture; x64's for any other (no other is tested). */
export function onArch<T>(values: { x64: T; arm64: T }, arch: string = process.arch): T {
  return arch === 'arm64' ? values.arm64 : values.x64;
}

/**
 * The uint8 MobileNet v2 (mobilenet_v2_1.0_224_quant.tflite) on images/cat.png: "Egyptian cat" (index 286) with
 * 193/256 on x86 and 191/256 on arm64, two output steps apart.
 */
export const MOBILENET_V2_QUANT_CAT_SCORE = onArch({ x64: 193 / 256, arm64: 191 / 256 });
