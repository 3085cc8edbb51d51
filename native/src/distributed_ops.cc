// The bodies of the distributed ops declared in native/ops.ts: libtorch's c10d (TCPStore, Gloo process groups,
// NCCL ones when libtorch has CUDA). Generic collectives on tensors; averaging, bucketing and rank bookkeeping are
// TypeScript's (src/distributed). Stores and groups cross to JavaScript as integer ids.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops.generated.h"

// Debian's libtorch ships c10d's headers, but ProcessGroupGloo.hpp needs gloo's (libgloo-dev) and is only compiled
// with USE_C10D_GLOO. Without them the addon still builds; the distributed ops then say what to install.
#if __has_include(<gloo/algorithm.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define USE_C10D_GLOO 1
#define TSYOLO_HAS_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
// NCCL also needs the CUDA toolkit's headers on the include path (ProcessGroupNCCL.hpp includes ATen's CUDA ones).
#if defined(TSYOLO_HAS_GLOO) && defined(TSYOLO_CUDA) && __has_include(<nccl.h>) && __has_include(<cuda_runtime_api.h>)
#define USE_C10D_NCCL 1
#define TSYOLO_HAS_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace tsyolo {
namespace ops {

#if defined(TSYOLO_HAS_GLOO)
namespace {

using Millis = std::chrono::milliseconds;

// Live stores and groups by id. Never destroyed at exit: a group's destructor would wait for a peer that may be gone.
template <typename T>
class Registry {
 public:
  explicit Registry(const char* kind) : kind_(kind) {}
  int64_t Add(c10::intrusive_ptr<T> item) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.emplace(next_, std::move(item));
    return next_++;
  }
  c10::intrusive_ptr<T> Get(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = items_.find(id);
    if (it == items_.end()) throw std::invalid_argument(std::string(kind_) + " " + std::to_string(id) + " does not exist (released?)");
    return it->second;
  }
  bool Release(int64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.erase(id) > 0;
  }

 private:
  const char* kind_;
  std::mutex mutex_;
  std::unordered_map<int64_t, c10::intrusive_ptr<T>> items_;
  int64_t next_ = 1;
};

Registry<c10d::Store>& Stores() {
  static auto* stores = new Registry<c10d::Store>("store");
  return *stores;
}
Registry<c10d::ProcessGroup>& Groups() {
  static auto* groups = new Registry<c10d::ProcessGroup>("process group");
  return *groups;
}

Millis PositiveMillis(int64_t ms, const char* what) {
  if (ms <= 0) throw std::invalid_argument(std::string(what) + " must be a positive number of milliseconds, got " + std::to_string(ms));
  return Millis(ms);
}

// libtorch's message without its C++ backtrace; gloo's as it is.
std::string Describe(const std::exception& e) {
  if (auto* c10Error = dynamic_cast<const c10::Error*>(&e)) return c10Error->what_without_backtrace();
  return e.what();
}

// Blocks until the collective is done; a timeout or a peer's failure becomes an exception naming the collective.
void Finish(const c10::intrusive_ptr<c10d::Work>& work, const char* collective, Millis timeout) {
  try {
    work->wait(timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(collective) + " failed after at most " + std::to_string(timeout.count()) + " ms: " +
                             Describe(e));
  }
}

void CheckCollectiveTensor(const at::Tensor& t, const char* collective) {
  if (!t.is_contiguous()) throw std::invalid_argument(std::string(collective) + " needs a contiguous tensor");
}

}  // namespace

bool GlooAvailable() { return true; }

int64_t TcpStoreCreate(const std::string& host, int64_t port, int64_t worldSize, bool isServer, int64_t timeoutMs) {
  if (port < 0 || port > 65535) throw std::invalid_argument("store port must be 0..65535, got " + std::to_string(port));
  if (worldSize < 1) throw std::invalid_argument("world size must be at least 1, got " + std::to_string(worldSize));
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.isServer = isServer;
  opts.numWorkers = static_cast<std::size_t>(worldSize);
  opts.waitWorkers = false;  // the process group's rendezvous waits for everybody, with its own timeout
  opts.timeout = PositiveMillis(timeoutMs, "store timeout");
  try {
    return Stores().Add(c10::make_intrusive<c10d::TCPStore>(host, opts));
  } catch (const std::exception& e) {
    throw std::runtime_error("TCPStore at " + host + ":" + std::to_string(port) + (isServer ? " (server)" : " (client)") +
                             " could not start: " + Describe(e));
  }
}

int64_t StorePort(int64_t store) {
  auto tcp = c10::dynamic_intrusive_pointer_cast<c10d::TCPStore>(Stores().Get(store));
  if (!tcp) throw std::invalid_argument("store " + std::to_string(store) + " is not a TCPStore");
  return tcp->getPort();
}

void StoreSet(int64_t store, const std::string& key, const std::string& value) {
  Stores().Get(store)->set(key, std::vector<uint8_t>(value.begin(), value.end()));
}

std::string StoreGet(int64_t store, const std::string& key) {
  std::vector<uint8_t> v = Stores().Get(store)->get(key);
  return std::string(v.begin(), v.end());
}

int64_t StoreAdd(int64_t store, const std::string& key, int64_t amount) { return Stores().Get(store)->add(key, amount); }

bool StoreCheck(int64_t store, const std::string& key) { return Stores().Get(store)->check({key}); }

bool StoreRelease(int64_t store) { return Stores().Release(store); }

int64_t ProcessGroupGlooCreate(int64_t store, int64_t rank, int64_t worldSize, const std::string& deviceHost, int64_t timeoutMs) {
  if (rank < 0 || rank >= worldSize) throw std::invalid_argument("rank " + std::to_string(rank) + " is outside 0.." + std::to_string(worldSize - 1));
  auto options = c10d::ProcessGroupGloo::Options::create(PositiveMillis(timeoutMs, "process group timeout"));
  // An empty host lets Gloo pick the interface of this machine's hostname, as PyTorch does.
  options->devices.push_back(deviceHost.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                                : c10d::ProcessGroupGloo::createDeviceForHostname(deviceHost));
  try {
    return Groups().Add(c10::make_intrusive<c10d::ProcessGroupGloo>(Stores().Get(store), static_cast<int>(rank), static_cast<int>(worldSize), options));
  } catch (const std::exception& e) {
    throw std::runtime_error("Gloo process group (rank " + std::to_string(rank) + " of " + std::to_string(worldSize) +
                             ") could not connect within " + std::to_string(timeoutMs) + " ms: " + Describe(e));
  }
}

#if defined(TSYOLO_HAS_NCCL)
bool NcclAvailable() { return true; }
int64_t ProcessGroupNcclCreate(int64_t store, int64_t rank, int64_t worldSize, int64_t timeoutMs) {
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = PositiveMillis(timeoutMs, "process group timeout");
  return Groups().Add(c10::make_intrusive<c10d::ProcessGroupNCCL>(Stores().Get(store), static_cast<int>(rank), static_cast<int>(worldSize), options));
}
#else
bool NcclAvailable() { return false; }
int64_t ProcessGroupNcclCreate(int64_t, int64_t, int64_t, int64_t) {
  throw std::runtime_error(
      "NCCL process groups need a libtorch built with CUDA, nccl.h and the CUDA toolkit's headers at build time; this addon was built "
      "without them (use backend 'gloo')");
}
#endif

bool ProcessGroupRelease(int64_t group) { return Groups().Release(group); }

void Allreduce(int64_t group, const at::Tensor& tensor, int64_t timeoutMs) {
  CheckCollectiveTensor(tensor, "allreduce");
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  opts.timeout = PositiveMillis(timeoutMs, "allreduce timeout");
  std::vector<at::Tensor> tensors{tensor};
  Finish(Groups().Get(group)->allreduce(tensors, opts), "allreduce", opts.timeout);
}

namespace {
// Sum over ranks in the forward and in the backward: the gradient of a replicated sum reaches every rank's input.
struct AllreduceSumFunction : public torch::autograd::Function<AllreduceSumFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input, int64_t group, int64_t timeoutMs) {
    ctx->saved_data["group"] = group;
    ctx->saved_data["timeoutMs"] = timeoutMs;
    at::Tensor out = input.detach().clone(at::MemoryFormat::Contiguous);
    Allreduce(group, out, timeoutMs);
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    at::Tensor g = grads[0].clone(at::MemoryFormat::Contiguous);
    Allreduce(ctx->saved_data["group"].toInt(), g, ctx->saved_data["timeoutMs"].toInt());
    return {g, at::Tensor(), at::Tensor()};
  }
};
}  // namespace

at::Tensor AllreduceWithGrad(int64_t group, const at::Tensor& tensor, int64_t timeoutMs) {
  return AllreduceSumFunction::apply(tensor, group, timeoutMs);
}

void Broadcast(int64_t group, const at::Tensor& tensor, int64_t rootRank, int64_t timeoutMs) {
  CheckCollectiveTensor(tensor, "broadcast");
  c10d::BroadcastOptions opts;
  opts.rootRank = rootRank;
  opts.timeout = PositiveMillis(timeoutMs, "broadcast timeout");
  std::vector<at::Tensor> tensors{tensor};
  Finish(Groups().Get(group)->broadcast(tensors, opts), "broadcast", opts.timeout);
}

void Barrier(int64_t group, int64_t timeoutMs) {
  c10d::BarrierOptions opts;
  opts.timeout = PositiveMillis(timeoutMs, "barrier timeout");
  Finish(Groups().Get(group)->barrier(opts), "barrier", opts.timeout);
}

#else  // no gloo headers at build time

namespace {
[[noreturn]] void NoGloo() {
  throw std::runtime_error(
      "this addon was built without c10d's Gloo support (gloo headers missing): install libgloo-dev (apt-get install libgloo-dev) "
      "and run `npm run setup` to rebuild");
}
}  // namespace

bool GlooAvailable() { return false; }
bool NcclAvailable() { return false; }
int64_t TcpStoreCreate(const std::string&, int64_t, int64_t, bool, int64_t) { NoGloo(); }
int64_t StorePort(int64_t) { NoGloo(); }
void StoreSet(int64_t, const std::string&, const std::string&) { NoGloo(); }
std::string StoreGet(int64_t, const std::string&) { NoGloo(); }
int64_t StoreAdd(int64_t, const std::string&, int64_t) { NoGloo(); }
bool StoreCheck(int64_t, const std::string&) { NoGloo(); }
bool StoreRelease(int64_t) { NoGloo(); }
int64_t ProcessGroupGlooCreate(int64_t, int64_t, int64_t, const std::string&, int64_t) { NoGloo(); }
int64_t ProcessGroupNcclCreate(int64_t, int64_t, int64_t, int64_t) { NoGloo(); }
bool ProcessGroupRelease(int64_t) { NoGloo(); }
void Allreduce(int64_t, const at::Tensor&, int64_t) { NoGloo(); }
at::Tensor AllreduceWithGrad(int64_t, const at::Tensor&, int64_t) { NoGloo(); }
void Broadcast(int64_t, const at::Tensor&, int64_t, int64_t) { NoGloo(); }
void Barrier(int64_t, int64_t) { NoGloo(); }

#endif

}  // namespace ops
}  // namespace tsyolo
