# lit configuration for Fusionize's test suites. Each suite directory (frontend,
# ir, e2e, tools, platform, examples) is run by CTest as `lit-<suite>`.
#
# Substitutions:
#   %clangxx            clang++ 19, C++17
#   %fusionize_plugin   the clang plugin (fusionize.so)
#   %fz                 %clangxx with the plugin loaded and the runtime headers
#   %fusionize_pass     the opt pass plugin (FusionizePass.so)
#   %opt                opt 19
#   %runtime            link flags for libfusionize_runtime (with its main)
#   %runtime_nomain     the same without the runtime's main()
#   %fusionize          the fusionize command
#   %python             python3 with jsonschema
#   %validate <schema>  validates a JSON file against docs/schemas/<schema>
#   %json_equal A B     two JSON documents are equal
#   %report_equal A B   two fusion reports say the same about groups and calls
#   %watchdog S LOG [DIR...] -- CMD
#                       CMD with a time limit, output in LOG; on failure it
#                       prints LOG's end, DIR's logs and (timeout) the processes
#   %src_root, %build_root, %inputs
import os
import lit.formats

site = lit_config.params.get("fusionize_site_config")
if site and not hasattr(config, "fusionize_obj_root"):
    lit_config.load_config(config, site)
    # load_config re-enters this file with the paths set.
else:
    config.name = "Fusionize"
    config.test_format = lit.formats.ShTest(execute_external=True)
    config.suffixes = [".cpp", ".c", ".ll", ".test"]
    config.excludes = ["Inputs", "CMakeLists.txt"]
    config.test_source_root = os.path.dirname(__file__)
    config.test_exec_root = os.path.join(config.fusionize_obj_root, "test", "lit")

    src = config.fusionize_src_root
    inc = config.include_dir
    cxx = config.clangxx + " -std=c++17"
    config.substitutions.append(("%fz", cxx + " -fplugin=" + config.plugin + " -I" + inc))
    config.substitutions.append(("%clangxx", cxx + " -I" + inc))
    config.substitutions.append(("%fusionize_plugin", config.plugin))
    config.substitutions.append(("%fusionize_pass", config.pass_plugin))
    config.substitutions.append(("%opt", os.path.join(config.llvm_tools_dir, "opt")))
    config.substitutions.append(("%runtime_nomain", config.runtime_libs))
    config.substitutions.append(("%runtime", config.lib_dir + "/libfusionize_main.a " + config.runtime_libs))
    config.substitutions.append(("%fusionize", config.fusionize))
    config.substitutions.append(("%python", config.python))
    config.substitutions.append(("%validate", config.python + " " +
                                 os.path.join(src, "test", "scripts", "validate.py")))
    scripts = os.path.join(src, "test", "scripts")
    config.substitutions.append(("%json_equal", config.python + " " + os.path.join(scripts, "json_equal.py")))
    config.substitutions.append(("%report_equal", config.python + " " + os.path.join(scripts, "report_equal.py")))
    # %watchdog SECONDS LOG [LOGDIR...] -- CMD: a long command with a time
    # limit whose failure prints its output and logs (test/scripts/watchdog.sh).
    config.substitutions.append(("%watchdog", "bash " + os.path.join(scripts, "watchdog.sh")))
    config.substitutions.append(("%check_groups", config.python + " " + os.path.join(scripts, "check_groups.py")))
    config.substitutions.append(("%plan_for", config.python + " " + os.path.join(scripts, "plan_for.py")))
    # `fusionize run` in the background for a test: start DIR [-- OPTIONS],
    # stop DIR, ... (test/platform/Inputs/fz.py); DIR holds manifest.json.
    config.substitutions.append(("%app_platform", config.python + " " +
                                 os.path.join(src, "test", "platform", "Inputs", "fz.py") +
                                 " --fusionize " + config.fusionize))
    config.substitutions.append(("%invoke", "curl -sS -X POST -H 'Content-Type: application/json'"))
    config.substitutions.append(("%cmake", config.cmake))
    config.substitutions.append(("%cxx_path", config.clangxx))
    config.substitutions.append(("%src_root", src))
    config.substitutions.append(("%build_root", config.fusionize_obj_root))
    config.substitutions.append(("%inputs", os.path.join(src, "test", "Inputs")))

    path = [config.llvm_tools_dir, os.path.join(config.fusionize_obj_root, "bin"),
            config.environment.get("PATH", os.environ.get("PATH", ""))]
    config.environment["PATH"] = os.pathsep.join(path)
    for var in ("HOME", "TMPDIR", "LANG"):
        if var in os.environ:
            config.environment[var] = os.environ[var]
    # Tests must not talk to a real cloud by accident.
    for var in ("AWS_LAMBDA_RUNTIME_API", "FUSIONIZE_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        config.environment.pop(var, None)

    if os.path.exists("/usr/bin/aws"):
        config.available_features.add("awscli")
    if os.path.exists("/usr/bin/chromium"):
        config.available_features.add("chromium")
    if os.path.exists("/usr/lib/llvm-14/lib/cmake/llvm/LLVMConfig.cmake"):
        config.available_features.add("llvm14-cmake")
    if os.path.exists("/usr/bin/dot"):
        config.available_features.add("graphviz")
