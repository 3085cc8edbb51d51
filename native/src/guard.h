// Every op runs inside Guard: C++ exceptions become JavaScript Errors, never a crash.
#pragma once

#include <c10/util/Exception.h>
#include <napi.h>

#include <exception>
#include <string>

#include "args.h"

namespace tsyolo {

template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, const char* op, F body) {
  try {
    return body(info.Env());
  } catch (const c10::Error& e) {
    // libtorch's message without its C++ backtrace.
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const ArgumentError& e) {
    throw Napi::Error::New(info.Env(), std::string(op) + "(): " + e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

}  // namespace tsyolo
