// fusionize::async needs a task; tasks reached through pointers are unknown
// to the static graph.
// RUN: %fz -fsyntax-only -Xclang -verify %s
// RUN: not %fz -fsyntax-only -fdiagnostics-parseable-fixits %s 2>&1 | FileCheck %s
#include <fusionize/fusionize.h>

[[fusionize::task]] void archive(int x) { (void)x; }
void helper(int x) { (void)x; } // expected-note {{'helper' declared here}}
// CHECK: fix-it:"{{.*}}async.cpp":{[[@LINE-1]]:1-[[@LINE-1]]:1}:"{{\[\[}}fusionize::task]] "

[[fusionize::task]] int handle(int x) {
  fusionize::async(archive, x);
  fusionize::async(&archive, x);
  fusionize::async(helper, x); // expected-error {{fusionize::async needs a task, but 'helper' is not marked [[fusionize::task]]}}
  void (*fp)(int) = archive; // expected-warning {{address of task 'archive' is taken; calls through it are unknown to the static task graph until a profile shows them}}
  fusionize::async(fp, x); // expected-warning {{fusionize::async called with a task that is only known at run time; the edge is unknown to the static task graph until a profile shows it}}
  return x;
}
