//===- main.cpp - main() of a group executable ----------------------------===//
//
// Linked into every group executable: serves the tasks the fusion pass
// registered in this executable (Runtime API or HTTP, see fusionize.h).
//
//===----------------------------------------------------------------------===//
#include <fusionize/fusionize.h>

int main(int argc, char **argv) { return fusionize::serve(argc, argv); }
