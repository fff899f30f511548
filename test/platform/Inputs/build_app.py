#!/usr/bin/env python3
"""Configures and builds a CMake project that uses find_package(Fusionize)
from this build tree (Ninja if available), quietly unless it fails.

    build_app.py --cmake CMAKE --cxx CLANGXX --fusionize-dir DIR SRC BUILD
"""
import shutil
import subprocess
import sys


def main(argv):
    opts = {}
    while argv and argv[0].startswith("--"):
        opts[argv[0][2:]] = argv[1]
        argv = argv[2:]
    src, build = argv
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    steps = [[opts["cmake"], "-S", src, "-B", build] + gen +
             ["-DCMAKE_CXX_COMPILER=" + opts["cxx"],
              "-DFusionize_DIR=" + opts["fusionize-dir"],
              "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
             [opts["cmake"], "--build", build]]
    for cmd in steps:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            sys.stderr.write(p.stdout)
            sys.exit(p.returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
