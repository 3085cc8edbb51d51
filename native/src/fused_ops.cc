// Fused training kernel: batch normalisation with batch statistics followed by a pointwise activation (identity, ReLU
// or SiLU), as one autograd node, for channels_last float32 CPU tensors. Generic: the maths of at::batch_norm then
// at::relu / at::silu, in fewer passes over memory. It exists because ATen 1.13's channels_last batch-norm kernels run
// scalar when the channel count is not a multiple of their vector width (backward of 32×8×160×160: 49 ms, against
// 15 ms for forward and backward in NCHW), and because the activation's separate forward and backward passes each
// read and write the whole tensor again (bench/report.md, "Where a training epoch's time goes").
//
// Layout. A channels_last N×C×H×W tensor is a row-major M×C matrix (M = N·H·W). The kernels walk it in stripes of
// k rows, k·C floats with k·C a multiple of 16, so every 16-float vector holds whole lanes of the same channels in
// every stripe and small or odd channel counts vectorise like large ones. Lane j of a stripe is channel j mod C.
// Reductions run over a fixed partition of the stripes (not per thread), each block in float, blocks summed in
// double in order: the result does not depend on the thread count or scheduling.
//
// Precision. float32 or bfloat16 tensors (the input, output and their gradients share one dtype, as under autocast,
// where the convolutions around a batch norm run in bfloat16); statistics, parameters and all arithmetic in float32,
// as CUDA's mixed-precision batch norm does. bfloat16 results are rounded to nearest even, as c10::BFloat16.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "ops.generated.h"

// GCC 12 warns inside its own avx512fintrin.h (_mm512_undefined_ps, a known false positive) wherever it inlines
// the rounding intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace tsyolo {
namespace ops {
namespace {

enum Activation : int64_t { kIdentity = 0, kRelu = 1, kSilu = 2 };

// ---------------------------------------------------------------- which instruction set runs the kernels
bool CpuHasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
bool& UsePortable() {
  static bool portable = !CpuHasAvx512();
  return portable;
}

// ---------------------------------------------------------------- geometry
struct Geometry {
  int64_t rows;           // M
  int64_t channels;       // C
  int64_t stripeRows;     // k
  int64_t width;          // W = k·C floats per stripe
  int64_t stripes;        // ⌊M / k⌋ full stripes; the last M mod k rows are the tail
  int64_t blockStripes;   // stripes per reduction block
  int64_t blocks;
  Geometry(int64_t m, int64_t c) : rows(m), channels(c) {
    stripeRows = 16 / std::gcd<int64_t>(c, 16);
    width = stripeRows * c;
    stripes = m / stripeRows;
    blockStripes = std::max<int64_t>(1, 16384 / width);
    blocks = (stripes + blockStripes - 1) / blockStripes;
  }
  int64_t tailRows() const { return rows - stripes * stripeRows; }
};

// Per-channel values repeated across a stripe's lanes.
std::vector<float> Lanes(const std::vector<float>& perChannel, int64_t width) {
  std::vector<float> lanes(width);
  for (int64_t j = 0; j < width; ++j) lanes[j] = perChannel[j % perChannel.size()];
  return lanes;
}

// ---------------------------------------------------------------- element types
// bfloat16 is the upper half of a float32.
inline float Load(const float* p) { return *p; }
inline float Load(const uint16_t* p) {
  uint32_t bits = static_cast<uint32_t>(*p) << 16;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
inline void Store(float* p, float v) { *p = v; }
inline void Store(uint16_t* p, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  *p = std::isnan(v) ? uint16_t{0x7FC0} : static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// ---------------------------------------------------------------- portable block kernels (any width)
float SigmoidScalar(float z) { return 1.0f / (1.0f + std::exp(-z)); }

float ActivateScalar(float z, int64_t act) {
  if (act == kRelu) return z > 0.0f ? z : 0.0f;
  if (act == kSilu) return z / (1.0f + std::exp(-z));
  return z;
}
// d act / d z at z.
float ActivationSlopeScalar(float z, int64_t act) {
  if (act == kRelu) return z > 0.0f ? 1.0f : 0.0f;
  if (act == kSilu) {
    float s = SigmoidScalar(z);
    return s * (1.0f + z * (1.0f - s));
  }
  return 1.0f;
}

// sum[j] += Σ over n stripes of d and sumSq[j] += Σ d², d = x − pivot[j].
template <typename T>
void MomentsPortable(const T* x, int64_t n, int64_t width, const float* pivot, float* sum, float* sumSq) {
  for (int64_t s = 0; s < n; ++s, x += width) {
    for (int64_t j = 0; j < width; ++j) {
      float d = Load(x + j) - pivot[j];
      sum[j] += d;
      sumSq[j] += d * d;
    }
  }
}
template <typename T>
void NormalizePortable(const T* x, T* y, int64_t n, int64_t width, const float* scale, const float* shift, int64_t act) {
  for (int64_t s = 0; s < n; ++s, x += width, y += width) {
    for (int64_t j = 0; j < width; ++j) Store(y + j, ActivateScalar(Load(x + j) * scale[j] + shift[j], act));
  }
}
template <typename T>
void BackwardReducePortable(const T* x, const T* dy, int64_t dyStride, int64_t n, int64_t width, const float* scale, const float* shift,
                            const float* mean, int64_t act, float* sumDz, float* sumDzXmu) {
  for (int64_t s = 0; s < n; ++s, x += width, dy += dyStride) {
    for (int64_t j = 0; j < width; ++j) {
      float xv = Load(x + j);
      float dz = Load(dy + j) * ActivationSlopeScalar(xv * scale[j] + shift[j], act);
      sumDz[j] += dz;
      sumDzXmu[j] += dz * (xv - mean[j]);
    }
  }
}
// dx = dz·a − b − (x − mean)·c
template <typename T>
void BackwardInputPortable(const T* x, const T* dy, int64_t dyStride, T* dx, int64_t n, int64_t width, const float* scale, const float* shift,
                           const float* mean, int64_t act, const float* a, const float* b, const float* c) {
  for (int64_t s = 0; s < n; ++s, x += width, dy += dyStride, dx += width) {
    for (int64_t j = 0; j < width; ++j) {
      float xv = Load(x + j);
      float dz = Load(dy + j) * ActivationSlopeScalar(xv * scale[j] + shift[j], act);
      Store(dx + j, dz * a[j] - b[j] - (xv - mean[j]) * c[j]);
    }
  }
}

// ---------------------------------------------------------------- AVX-512 block kernels (width a multiple of 16)
#define TSYOLO_AVX512 __attribute__((target("avx512f,fma")))

// e^x: x = n·ln2 + r with n rounded (ln2 split in two for an exact product), e^r by a degree-6 polynomial
// (Cephes' expf coefficients, about 1 ulp), 2^n applied by vscalefps (which saturates to 0 or ∞ by itself).
TSYOLO_AVX512 inline __m512 Exp16(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(104.0f)), _mm512_set1_ps(-104.0f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}
TSYOLO_AVX512 inline __m512 Load16(const float* p) { return _mm512_loadu_ps(p); }
TSYOLO_AVX512 inline __m512 Load16(const uint16_t* p) {
  __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
TSYOLO_AVX512 inline void Store16(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
// Round to nearest even, NaN to 0x7FC0: the rule of Store(uint16_t*, float) above.
TSYOLO_AVX512 inline void Store16(uint16_t* p, __m512 v) {
  __m512i bits = _mm512_castps_si512(v);
  __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF))), 16);
  __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  rounded = _mm512_mask_mov_epi32(rounded, nan, _mm512_set1_epi32(0x7FC0));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(rounded));
}
// 1 / (1 + e^−z). The reciprocal by vrcp14ps and one Newton step (~23 bits) instead of vdivps, whose throughput
// (one 16-float division per ~16 cycles) made the SiLU kernels compute-bound.
TSYOLO_AVX512 inline __m512 Sigmoid16(__m512 z) {
  __m512 one = _mm512_set1_ps(1.0f);
  __m512 d = _mm512_add_ps(one, Exp16(_mm512_sub_ps(_mm512_setzero_ps(), z)));
  __m512 r = _mm512_rcp14_ps(d);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}
TSYOLO_AVX512 inline __m512 Activate16(__m512 z, int64_t act) {
  if (act == kRelu) return _mm512_max_ps(z, _mm512_setzero_ps());
  if (act == kSilu) return _mm512_mul_ps(z, Sigmoid16(z));
  return z;
}
TSYOLO_AVX512 inline __m512 Slope16(__m512 z, int64_t act) {
  if (act == kRelu) return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_set1_ps(1.0f));
  if (act == kSilu) {
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 s = Sigmoid16(z);
    return _mm512_mul_ps(s, _mm512_fmadd_ps(z, _mm512_sub_ps(one, s), one));
  }
  return _mm512_set1_ps(1.0f);
}

// The reductions keep their running sums in registers: K vectors of a stripe's lanes at a time (a block is small
// enough to stay in L2 while each group of K columns walks it). Sums kept in memory instead made every step wait on
// a store-to-load round trip and ran at a third of the memory bandwidth.
template <int K, typename T>
TSYOLO_AVX512 void MomentsColumns(const T* x, int64_t n, int64_t width, const float* pivot, float* sum, float* sumSq) {
  __m512 a[K], b[K], p[K];
  for (int k = 0; k < K; ++k) {
    a[k] = _mm512_loadu_ps(sum + 16 * k);
    b[k] = _mm512_loadu_ps(sumSq + 16 * k);
    p[k] = _mm512_loadu_ps(pivot + 16 * k);
  }
  for (int64_t s = 0; s < n; ++s, x += width) {
    for (int k = 0; k < K; ++k) {
      __m512 d = _mm512_sub_ps(Load16(x + 16 * k), p[k]);
      a[k] = _mm512_add_ps(a[k], d);
      b[k] = _mm512_fmadd_ps(d, d, b[k]);
    }
  }
  for (int k = 0; k < K; ++k) {
    _mm512_storeu_ps(sum + 16 * k, a[k]);
    _mm512_storeu_ps(sumSq + 16 * k, b[k]);
  }
}
template <typename T>
TSYOLO_AVX512 void MomentsAvx512(const T* x, int64_t n, int64_t width, const float* pivot, float* sum, float* sumSq) {
  for (int64_t v = 0, vectors = width / 16; v < vectors;) {
    int64_t k = std::min<int64_t>(4, vectors - v), o = 16 * v;
    switch (k) {
      case 1: MomentsColumns<1>(x + o, n, width, pivot + o, sum + o, sumSq + o); break;
      case 2: MomentsColumns<2>(x + o, n, width, pivot + o, sum + o, sumSq + o); break;
      case 3: MomentsColumns<3>(x + o, n, width, pivot + o, sum + o, sumSq + o); break;
      default: MomentsColumns<4>(x + o, n, width, pivot + o, sum + o, sumSq + o); break;
    }
    v += k;
  }
}
template <typename T>
TSYOLO_AVX512 void NormalizeAvx512(const T* x, T* y, int64_t n, int64_t width, const float* scale, const float* shift, int64_t act) {
  for (int64_t s = 0; s < n; ++s, x += width, y += width) {
    for (int64_t j = 0; j < width; j += 16) {
      __m512 z = _mm512_fmadd_ps(Load16(x + j), _mm512_loadu_ps(scale + j), _mm512_loadu_ps(shift + j));
      Store16(y + j, Activate16(z, act));
    }
  }
}
template <int K, typename T>
TSYOLO_AVX512 void BackwardReduceColumns(const T* x, const T* dy, int64_t dyStride, int64_t n, int64_t width, const float* scale,
                                         const float* shift, const float* mean, int64_t act, float* sumDz, float* sumDzXmu) {
  __m512 a[K], b[K];
  for (int k = 0; k < K; ++k) {
    a[k] = _mm512_loadu_ps(sumDz + 16 * k);
    b[k] = _mm512_loadu_ps(sumDzXmu + 16 * k);
  }
  for (int64_t s = 0; s < n; ++s, x += width, dy += dyStride) {
    for (int k = 0; k < K; ++k) {
      __m512 xv = Load16(x + 16 * k);
      __m512 z = _mm512_fmadd_ps(xv, _mm512_loadu_ps(scale + 16 * k), _mm512_loadu_ps(shift + 16 * k));
      __m512 dz = _mm512_mul_ps(Load16(dy + 16 * k), Slope16(z, act));
      a[k] = _mm512_add_ps(a[k], dz);
      b[k] = _mm512_fmadd_ps(dz, _mm512_sub_ps(xv, _mm512_loadu_ps(mean + 16 * k)), b[k]);
    }
  }
  for (int k = 0; k < K; ++k) {
    _mm512_storeu_ps(sumDz + 16 * k, a[k]);
    _mm512_storeu_ps(sumDzXmu + 16 * k, b[k]);
  }
}
template <typename T>
TSYOLO_AVX512 void BackwardReduceAvx512(const T* x, const T* dy, int64_t dyStride, int64_t n, int64_t width, const float* scale,
                                        const float* shift, const float* mean, int64_t act, float* sumDz, float* sumDzXmu) {
  for (int64_t v = 0, vectors = width / 16; v < vectors;) {
    int64_t k = std::min<int64_t>(4, vectors - v), o = 16 * v;
    switch (k) {
      case 1: BackwardReduceColumns<1>(x + o, dy + o, dyStride, n, width, scale + o, shift + o, mean + o, act, sumDz + o, sumDzXmu + o); break;
      case 2: BackwardReduceColumns<2>(x + o, dy + o, dyStride, n, width, scale + o, shift + o, mean + o, act, sumDz + o, sumDzXmu + o); break;
      case 3: BackwardReduceColumns<3>(x + o, dy + o, dyStride, n, width, scale + o, shift + o, mean + o, act, sumDz + o, sumDzXmu + o); break;
      default: BackwardReduceColumns<4>(x + o, dy + o, dyStride, n, width, scale + o, shift + o, mean + o, act, sumDz + o, sumDzXmu + o); break;
    }
    v += k;
  }
}
template <typename T>
TSYOLO_AVX512 void BackwardInputAvx512(const T* x, const T* dy, int64_t dyStride, T* dx, int64_t n, int64_t width, const float* scale,
                                       const float* shift, const float* mean, int64_t act, const float* a, const float* b, const float* c) {
  for (int64_t s = 0; s < n; ++s, x += width, dy += dyStride, dx += width) {
    for (int64_t j = 0; j < width; j += 16) {
      __m512 xv = Load16(x + j);
      __m512 z = _mm512_fmadd_ps(xv, _mm512_loadu_ps(scale + j), _mm512_loadu_ps(shift + j));
      __m512 dz = _mm512_mul_ps(Load16(dy + j), Slope16(z, act));
      __m512 xmu = _mm512_sub_ps(xv, _mm512_loadu_ps(mean + j));
      __m512 out = _mm512_sub_ps(_mm512_fmsub_ps(dz, _mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j)), _mm512_mul_ps(xmu, _mm512_loadu_ps(c + j)));
      Store16(dx + j, out);
    }
  }
}

// ---------------------------------------------------------------- passes over the whole tensor
// Per-channel mean and biased variance in one read of x: Σd and Σd² with d = x − pivot, the pivot being the channel's
// first value (close enough to the mean that Σd² − (Σd)²/M loses no significant digits to cancellation, as it would
// with d = x). Blocks in parallel, each in float, then summed in double in block order; the tail rows last.
template <typename T>
void ChannelMoments(const T* x, const Geometry& g, std::vector<float>& mean, std::vector<double>& variance) {
  std::vector<float> pivot(g.channels);
  for (int64_t c = 0; c < g.channels; ++c) pivot[c] = Load(x + c);
  std::vector<float> pivotLanes = Lanes(pivot, g.width);
  std::vector<float> partial(g.blocks * g.width * 2, 0.0f);
  bool portable = UsePortable();
  at::parallel_for(0, g.blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      int64_t s0 = b * g.blockStripes, n = std::min(g.blockStripes, g.stripes - s0);
      const T* xs = x + s0 * g.width;
      float* sum = partial.data() + b * g.width * 2;
      if (portable) MomentsPortable(xs, n, g.width, pivotLanes.data(), sum, sum + g.width);
      else MomentsAvx512(xs, n, g.width, pivotLanes.data(), sum, sum + g.width);
    }
  });
  std::vector<double> sum(g.channels, 0.0), sumSq(g.channels, 0.0);
  for (int64_t b = 0; b < g.blocks; ++b) {
    for (int64_t j = 0; j < g.width; ++j) {
      sum[j % g.channels] += partial[b * g.width * 2 + j];
      sumSq[j % g.channels] += partial[b * g.width * 2 + g.width + j];
    }
  }
  std::vector<float> tailSum(g.channels, 0.0f), tailSq(g.channels, 0.0f);
  MomentsPortable(x + g.stripes * g.width, g.tailRows(), g.channels, pivot.data(), tailSum.data(), tailSq.data());
  mean.assign(g.channels, 0.0f);
  variance.assign(g.channels, 0.0);
  for (int64_t c = 0; c < g.channels; ++c) {
    double m = (sum[c] + tailSum[c]) / g.rows;
    mean[c] = static_cast<float>(pivot[c] + m);
    variance[c] = std::max(0.0, (sumSq[c] + tailSq[c]) / g.rows - m * m);
  }
}

std::vector<float> ToVector(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}
at::Tensor FromVector(const std::vector<float>& v) {
  at::Tensor t = at::empty({static_cast<int64_t>(v.size())}, at::kFloat);
  std::copy(v.begin(), v.end(), t.data_ptr<float>());
  return t;
}

// The spacing of a 4-D tensor's (n, h, w) rows when each row's C channels are contiguous and the rows evenly spaced
// (a channel slice of a channels_last tensor); 0 otherwise.
int64_t RowStride(const at::Tensor& t) {
  if (t.dim() != 4 || t.stride(1) != 1) return 0;
  int64_t row = t.stride(3);
  if (row < t.size(1) || t.stride(2) != t.size(3) * row || t.stride(0) != t.size(2) * t.stride(2)) return 0;
  return row;
}

void CheckInput(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& runningMean, const at::Tensor& runningVar) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("batchNormActivation: " + why); };
  if (x.dim() != 4) fail("input must be 4-D (N, C, H, W), got " + std::to_string(x.dim()) + "-D");
  if (!x.device().is_cpu() || (x.scalar_type() != at::kFloat && x.scalar_type() != at::kBFloat16)) {
    fail("input must be a float32 or bfloat16 CPU tensor, got " + std::string(c10::toString(x.scalar_type())) + " on " + x.device().str());
  }
  if (!x.is_contiguous(at::MemoryFormat::ChannelsLast)) fail("input must be channels_last contiguous");
  int64_t c = x.size(1);
  for (const at::Tensor* t : {&weight, &bias, &runningMean, &runningVar}) {
    if (!t->defined() || t->numel() != c || t->scalar_type() != at::kFloat || !t->device().is_cpu() || !t->is_contiguous()) {
      fail("weight, bias, runningMean and runningVar must be contiguous float32 CPU tensors of " + std::to_string(c) + " elements");
    }
  }
  if (x.numel() / c <= 1) fail("expected more than 1 value per channel when training, got input size " + std::to_string(x.numel()));
}

struct BatchNormActivationFunction : public torch::autograd::Function<BatchNormActivationFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            const at::Tensor& runningMean, const at::Tensor& runningVar, double momentum, double eps, int64_t act) {
    at::Tensor mean, invstd;
    at::Tensor y = x.scalar_type() == at::kBFloat16 ? Forward<uint16_t>(x, weight, bias, runningMean, runningVar, momentum, eps, act, mean, invstd)
                                                    : Forward<float>(x, weight, bias, runningMean, runningVar, momentum, eps, act, mean, invstd);
    ctx->save_for_backward({x, weight, mean, invstd, bias});
    ctx->saved_data["act"] = act;
    return y;
  }

  template <typename T>
  static at::Tensor Forward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& runningMean,
                            const at::Tensor& runningVar, double momentum, double eps, int64_t act, at::Tensor& meanOut, at::Tensor& invstdOut) {
    const int64_t c = x.size(1);
    Geometry g(x.numel() / c, c);
    const T* xp = static_cast<const T*>(x.data_ptr());

    std::vector<float> mean;
    std::vector<double> variance;
    ChannelMoments(xp, g, mean, variance);

    std::vector<float> w = ToVector(weight), b = ToVector(bias), invstd(c), scale(c), shift(c);
    for (int64_t i = 0; i < c; ++i) {
      invstd[i] = static_cast<float>(1.0 / std::sqrt(variance[i] + eps));
      scale[i] = w[i] * invstd[i];
      shift[i] = b[i] - mean[i] * scale[i];
    }
    {  // running statistics (unbiased variance), as at::batch_norm in training mode
      at::NoGradGuard noGrad;
      float* rm = runningMean.data_ptr<float>();
      float* rv = runningVar.data_ptr<float>();
      for (int64_t i = 0; i < c; ++i) {
        rm[i] = static_cast<float>((1.0 - momentum) * rm[i] + momentum * mean[i]);
        rv[i] = static_cast<float>((1.0 - momentum) * rv[i] + momentum * variance[i] * g.rows / (g.rows - 1));
      }
    }

    at::Tensor y = at::empty_like(x, at::MemoryFormat::ChannelsLast);
    T* yp = static_cast<T*>(y.data_ptr());
    std::vector<float> scaleLanes = Lanes(scale, g.width), shiftLanes = Lanes(shift, g.width);
    bool portable = UsePortable();
    at::parallel_for(0, g.blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        int64_t s0 = blk * g.blockStripes, n = std::min(g.blockStripes, g.stripes - s0);
        if (portable) NormalizePortable(xp + s0 * g.width, yp + s0 * g.width, n, g.width, scaleLanes.data(), shiftLanes.data(), act);
        else NormalizeAvx512(xp + s0 * g.width, yp + s0 * g.width, n, g.width, scaleLanes.data(), shiftLanes.data(), act);
      }
    });
    int64_t tail = g.stripes * g.width;
    NormalizePortable(xp + tail, yp + tail, g.tailRows(), c, scale.data(), shift.data(), act);

    meanOut = FromVector(mean);
    invstdOut = FromVector(invstd);
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    if (!grads[0].defined()) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    auto saved = ctx->get_saved_variables();
    const int64_t act = ctx->saved_data["act"].toInt();
    // The gradient takes the input's dtype (what autograd would cast it to anyway). A channel slice of a wider
    // channels_last gradient (what cat's and chunk's backward hand over) is read in place: its rows are evenly spaced.
    at::Tensor dy = grads[0].to(saved[0].scalar_type());
    // (Only with one row per stripe, C a multiple of 16: a stripe of several rows must be contiguous.)
    if (!dy.is_contiguous(at::MemoryFormat::ChannelsLast) && !(dy.size(1) % 16 == 0 && RowStride(dy) > 0)) {
      dy = dy.contiguous(at::MemoryFormat::ChannelsLast);
    }
    return saved[0].scalar_type() == at::kBFloat16 ? Backward<uint16_t>(saved, dy, act) : Backward<float>(saved, dy, act);
  }

  template <typename T>
  static torch::autograd::variable_list Backward(const torch::autograd::variable_list& saved, const at::Tensor& dy, int64_t act) {
    const at::Tensor& x = saved[0];
    const int64_t c = x.size(1);
    Geometry g(x.numel() / c, c);

    std::vector<float> w = ToVector(saved[1]), mean = ToVector(saved[2]), invstd = ToVector(saved[3]), b = ToVector(saved[4]);
    std::vector<float> scale(c), shift(c);
    for (int64_t i = 0; i < c; ++i) {
      scale[i] = w[i] * invstd[i];
      shift[i] = b[i] - mean[i] * scale[i];
    }
    std::vector<float> scaleLanes = Lanes(scale, g.width), shiftLanes = Lanes(shift, g.width), meanLanes = Lanes(mean, g.width);
    const T* xp = static_cast<const T*>(x.data_ptr());
    const T* dyp = static_cast<const T*>(dy.data_ptr());
    // Elements from one stripe of dy to the next: k·C when contiguous; the slice's row stride (k = 1) otherwise.
    const int64_t dyStride = dy.is_contiguous(at::MemoryFormat::ChannelsLast) ? g.width : RowStride(dy);
    bool portable = UsePortable();

    // Pass 1: Σ dz and Σ dz·(x − mean) per channel, dz = dy · act'(z).
    std::vector<float> partial(g.blocks * g.width * 2, 0.0f);
    at::parallel_for(0, g.blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        int64_t s0 = blk * g.blockStripes, n = std::min(g.blockStripes, g.stripes - s0);
        float* sumDz = partial.data() + blk * g.width * 2;
        float* sumDzXmu = sumDz + g.width;
        const T* xs = xp + s0 * g.width;
        const T* dys = dyp + s0 * dyStride;
        if (portable) BackwardReducePortable(xs, dys, dyStride, n, g.width, scaleLanes.data(), shiftLanes.data(), meanLanes.data(), act, sumDz, sumDzXmu);
        else BackwardReduceAvx512(xs, dys, dyStride, n, g.width, scaleLanes.data(), shiftLanes.data(), meanLanes.data(), act, sumDz, sumDzXmu);
      }
    });
    std::vector<double> sumDz(c, 0.0), sumDzXmu(c, 0.0);
    for (int64_t blk = 0; blk < g.blocks; ++blk) {
      for (int64_t j = 0; j < g.width; ++j) {
        sumDz[j % c] += partial[blk * g.width * 2 + j];
        sumDzXmu[j % c] += partial[blk * g.width * 2 + g.width + j];
      }
    }
    {
      std::vector<float> tailDz(c, 0.0f), tailDzXmu(c, 0.0f);
      int64_t tail = g.stripes * g.width;
      BackwardReducePortable(xp + tail, dyp + tail, c, g.tailRows(), c, scale.data(), shift.data(), mean.data(), act, tailDz.data(), tailDzXmu.data());
      for (int64_t i = 0; i < c; ++i) {
        sumDz[i] += tailDz[i];
        sumDzXmu[i] += tailDzXmu[i];
      }
    }

    // Pass 2: dx = (dz − mean(dz) − (x − mean)·invstd²·mean(dz·(x − mean)))·invstd·γ
    std::vector<float> a(c), bb(c), cc(c), gradWeight(c), gradBias(c);
    for (int64_t i = 0; i < c; ++i) {
      double gain = static_cast<double>(invstd[i]) * w[i];
      a[i] = static_cast<float>(gain);
      bb[i] = static_cast<float>(gain * sumDz[i] / g.rows);
      cc[i] = static_cast<float>(gain * sumDzXmu[i] * invstd[i] * invstd[i] / g.rows);
      gradWeight[i] = static_cast<float>(sumDzXmu[i] * invstd[i]);
      gradBias[i] = static_cast<float>(sumDz[i]);
    }
    at::Tensor dx = at::empty_like(x, at::MemoryFormat::ChannelsLast);
    T* dxp = static_cast<T*>(dx.data_ptr());
    std::vector<float> aLanes = Lanes(a, g.width), bLanes = Lanes(bb, g.width), cLanes = Lanes(cc, g.width);
    at::parallel_for(0, g.blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        int64_t s0 = blk * g.blockStripes, n = std::min(g.blockStripes, g.stripes - s0), off = s0 * g.width;
        if (portable) {
          BackwardInputPortable(xp + off, dyp + s0 * dyStride, dyStride, dxp + off, n, g.width, scaleLanes.data(), shiftLanes.data(), meanLanes.data(), act,
                                aLanes.data(), bLanes.data(), cLanes.data());
        } else {
          BackwardInputAvx512(xp + off, dyp + s0 * dyStride, dyStride, dxp + off, n, g.width, scaleLanes.data(), shiftLanes.data(), meanLanes.data(), act,
                              aLanes.data(), bLanes.data(), cLanes.data());
        }
      }
    });
    int64_t tail = g.stripes * g.width;
    BackwardInputPortable(xp + tail, dyp + tail, c, dxp + tail, g.tailRows(), c, scale.data(), shift.data(), mean.data(), act, a.data(), bb.data(),
                          cc.data());
    return {dx, FromVector(gradWeight), FromVector(gradBias), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor BatchNormActivation(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& runningMean,
                               const at::Tensor& runningVar, double momentum, double eps, int64_t activation) {
  CheckInput(input, weight, bias, runningMean, runningVar);
  if (activation < kIdentity || activation > kSilu) {
    throw std::invalid_argument("batchNormActivation: activation must be 0 (identity), 1 (ReLU) or 2 (SiLU), got " + std::to_string(activation));
  }
  return BatchNormActivationFunction::apply(input, weight, bias, runningMean, runningVar, momentum, eps, activation);
}

std::string FusedKernelIsa(const std::string& request) {
  if (request == "portable") UsePortable() = true;
  else if (request == "auto") UsePortable() = !CpuHasAvx512();
  else if (request == "avx512") {
    if (!CpuHasAvx512()) throw std::invalid_argument("fusedKernelIsa: this CPU has no AVX-512 (avx512f)");
    UsePortable() = false;
  } else if (!request.empty()) {
    throw std::invalid_argument("fusedKernelIsa: request must be '', 'auto', 'portable' or 'avx512', got '" + request + "'");
  }
  return UsePortable() ? "portable" : "avx512";
}

}  // namespace ops
}  // namespace tsyolo
