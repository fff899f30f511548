//===- fusionize/fusionize.h - The public API of Fusionize ----------------===//
//
//   #include <fusionize/fusionize.h>
//
//   [[fusionize::task]] Summary analyze(const Frame &frame);
//   [[fusionize::task]] void archive(const Frame &frame);
//
//   [[fusionize::task]] Summary handle(const Frame &frame) {
//     fusionize::async(archive, frame);   // asynchronous call
//     return analyze(frame);              // synchronous call
//   }
//
// Compile with `clang++ -fplugin=fusionize.so`: each fusion group becomes its
// own executable, calls inside a group stay plain C++ calls and calls across
// groups become remote invocations. Parameter and result types are anything
// nlohmann_json converts (this header includes <nlohmann/json.hpp> for
// to_json/from_json and NLOHMANN_DEFINE_TYPE_*). Link libfusionize_runtime.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_FUSIONIZE_H
#define FUSIONIZE_FUSIONIZE_H

#include <fusionize/async.h>
#include <fusionize/detail/codec.h>
#include <fusionize/errors.h>

#include <nlohmann/json.hpp>

namespace fusionize {

/// Serves this executable's tasks: the AWS Lambda Runtime API loop when
/// AWS_LAMBDA_RUNTIME_API is set, otherwise HTTP on $PORT (POST
/// /invoke/<task>, GET /healthz). Group executables call it from the
/// runtime's main(); a program with its own main() may call it too.
int serve(int argc, char **argv);

} // namespace fusionize

#endif // FUSIONIZE_FUSIONIZE_H
