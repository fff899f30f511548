// The tasks of the platform's end-to-end test: a call across groups
// (frontend -> backend, synchronous; frontend -> record, asynchronous) and
// tasks that misbehave on purpose.
#include <fusionize/fusionize.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

[[fusionize::task]] int backend(int X) { return X * 2; }

[[fusionize::task]] void record(std::string File, std::string Value) {
  std::ofstream(File, std::ios::app) << Value << "\n";
}

[[fusionize::task]] int frontend(int X, std::string File) {
  int Y = backend(X);
  fusionize::async(record, File, std::to_string(Y));
  return Y + 1;
}

[[fusionize::task]] int whoami() { return static_cast<int>(getpid()); }

// Runs until `File` exists: the test decides when it ends.
[[fusionize::task]] int wait_for(std::string File) {
  while (access(File.c_str(), F_OK) != 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return static_cast<int>(getpid());
}

[[fusionize::task]] int sleepy(int Ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(Ms));
  return Ms;
}

[[fusionize::task]] int crash(int Code) { std::_Exit(Code); }

[[fusionize::task]] int fail(std::string Why) { throw std::runtime_error(Why); }

[[fusionize::task]] std::string big(int Bytes) {
  return std::string(static_cast<size_t>(Bytes), 'x');
}
