//===- core/Render.cpp - Pictures and text of a plan over a task graph
//-----===//
#include "core/Render.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fusionize {

std::string groupColor(size_t I) {
  // Colorblind-friendly pastels (Okabe-Ito, lightened), then repeated.
  static const char *const Palette[] = {
      "#9ecae1", "#fdd0a2", "#a1d99b", "#f4a9c0", "#dadaeb",
      "#fee391", "#c7e9c0", "#fcbba1", "#bcbddc", "#d9d9d9"};
  return Palette[I % (sizeof(Palette) / sizeof(Palette[0]))];
}

static std::string quote(const std::string &S) {
  std::string R = "\"";
  for (char C : S) {
    if (C == '"' || C == '\\')
      R += '\\';
    R += C;
  }
  return R + "\"";
}

static std::string fmtCost(double C) {
  std::ostringstream S;
  if (C >= 1e6)
    S << static_cast<long long>(C / 1e6) << "M";
  else if (C >= 1e4)
    S << static_cast<long long>(C / 1e3) << "k";
  else
    S << static_cast<long long>(C);
  return S.str();
}

std::string planToDot(const Graph &G, const Plan &P, const DotOptions &O) {
  std::ostringstream D;
  D << "digraph fusion {\n"
    << "  graph [fontname=\"Helvetica\", rankdir=LR, compound=true, "
       "nodesep=0.3, ranksep=0.6";
  if (!O.Title.empty())
    D << ", label=" << quote(O.Title) << ", labelloc=t";
  D << "];\n  node [fontname=\"Helvetica\", shape=box, "
       "style=\"rounded,filled\"];\n"
       "  edge [fontname=\"Helvetica\", fontsize=10];\n";
  auto Node = [](const std::string &Group, const std::string &Task) {
    return quote(Group + "/" + Task);
  };
  for (size_t I = 0; I < P.Groups.size(); ++I) {
    const Group &Gr = P.Groups[I];
    D << "  subgraph " << quote("cluster_" + Gr.Name) << " {\n"
      << "    label="
      << quote(Gr.Name + (O.ShowMemory
                              ? " (" + std::to_string(Gr.MemoryMB) + " MB)"
                              : std::string()))
      << "; style=\"rounded,filled\"; color=\"#555555\"; fillcolor="
      << quote(groupColor(I)) << ";\n";
    for (const std::string &T : Gr.Tasks) {
      const Group *Home = P.homeOf(T);
      bool Copy = Home && Home != &Gr;
      std::string Label = T;
      if (O.ShowCosts)
        if (const TaskNode *N = G.findTask(T))
          Label += "\\n" + fmtCost(N->SelfCost);
      D << "    " << Node(Gr.Name, T) << " [label=\"" << Label
        << "\", fillcolor=white"
        << (Copy ? ", style=\"rounded,filled,dashed\", tooltip=\"copy\"" : "")
        << "];\n";
    }
    D << "  }\n";
  }
  // Tasks of the graph in no group (a plan for part of a program).
  for (const TaskNode &T : G.Tasks)
    if (P.groupsOf(T.Name).empty())
      D << "  " << Node("-", T.Name) << " [label=" << quote(T.Name)
        << ", fillcolor=\"#eeeeee\", style=\"rounded,filled,dotted\"];\n";
  for (const Edge &E : G.Edges) {
    auto Callers = P.groupsOf(E.Caller);
    std::vector<std::string> From;
    for (const Group *Gr : Callers)
      From.push_back(Gr->Name);
    if (From.empty())
      From.push_back("-");
    for (const std::string &GName : From) {
      const Group *Gr = P.findGroup(GName);
      bool Local = Gr && Gr->contains(E.Callee);
      const Group *Home = P.homeOf(E.Callee);
      std::string To = Local ? GName : (Home ? Home->Name : "-");
      std::ostringstream Attr;
      Attr << "style=" << (E.Kind == EdgeKind::Async ? "dashed" : "solid");
      if (Local)
        Attr << ", color=\"#555555\"";
      else
        Attr << ", color=\"#c0392b\", penwidth=2";
      if (E.Calls != 1) {
        std::ostringstream L;
        L << "x" << E.Calls;
        Attr << ", label=" << quote(L.str());
      }
      D << "  " << Node(GName, E.Caller) << " -> " << Node(To, E.Callee) << " ["
        << Attr.str() << "];\n";
    }
  }
  D << "  subgraph cluster_legend {\n"
       "    label=\"\"; style=invis;\n"
       "    legend [shape=plaintext, style=\"\", label=<<table border=\"0\" "
       "cellborder=\"0\" cellspacing=\"2\"><tr><td align=\"left\">solid: "
       "synchronous call</td></tr><tr><td align=\"left\">dashed: asynchronous "
       "call</td></tr><tr><td align=\"left\"><font color=\"#c0392b\">red: "
       "remote (across groups)</font></td></tr><tr><td align=\"left\">dashed "
       "box: copy of a task</td></tr></table>>];\n  }\n";
  D << "}\n";
  return D.str();
}

std::string dotToSvg(const std::string &Dot) {
  int In[2], Out[2];
  if (::pipe(In) != 0 || ::pipe(Out) != 0)
    throw FormatError(std::string("cannot run Graphviz: ") +
                      std::strerror(errno));
  posix_spawn_file_actions_t FA;
  posix_spawn_file_actions_init(&FA);
  posix_spawn_file_actions_adddup2(&FA, In[0], 0);
  posix_spawn_file_actions_adddup2(&FA, Out[1], 1);
  posix_spawn_file_actions_addclose(&FA, In[1]);
  posix_spawn_file_actions_addclose(&FA, Out[0]);
  char Arg0[] = "dot", Arg1[] = "-Tsvg";
  char *Argv[] = {Arg0, Arg1, nullptr};
  pid_t Pid;
  int Rc = posix_spawnp(&Pid, "dot", &FA, nullptr, Argv, environ);
  posix_spawn_file_actions_destroy(&FA);
  ::close(In[0]);
  ::close(Out[1]);
  if (Rc != 0) {
    ::close(In[1]);
    ::close(Out[0]);
    throw FormatError("cannot run Graphviz's `dot` (" +
                      std::string(std::strerror(Rc)) +
                      "); install the graphviz package or use --format dot");
  }
  // Write and read at once: dot may start writing before it has read all.
  std::string Svg;
  size_t Written = 0;
  bool InOpen = true;
  char Buf[65536];
  while (true) {
    pollfd Fds[2] = {{Out[0], POLLIN, 0}, {InOpen ? In[1] : -1, POLLOUT, 0}};
    if (::poll(Fds, 2, -1) < 0 && errno != EINTR)
      break;
    if (InOpen && (Fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t N = ::write(In[1], Dot.data() + Written, Dot.size() - Written);
      if (N > 0)
        Written += static_cast<size_t>(N);
      if (N < 0 || Written == Dot.size()) {
        ::close(In[1]);
        InOpen = false;
      }
    }
    if (Fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t N = ::read(Out[0], Buf, sizeof(Buf));
      if (N <= 0)
        break;
      Svg.append(Buf, static_cast<size_t>(N));
    }
  }
  if (InOpen)
    ::close(In[1]);
  ::close(Out[0]);
  int Status = 0;
  ::waitpid(Pid, &Status, 0);
  if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
    throw FormatError("Graphviz's `dot` failed on the generated graph");
  return Svg;
}

} // namespace fusionize
