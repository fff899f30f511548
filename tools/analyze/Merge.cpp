//===- Merge.cpp - One task graph for a program of many files
//--------------===//
#include "WholeProgram.h"

#include <functional>
#include <map>
#include <set>

namespace fusionize {

Graph mergeGraphs(const std::vector<Graph> &Parts) {
  Graph G;
  std::map<std::string, const FunctionSummary *> Helpers; // symbol -> summary
  std::map<std::string, std::string> TaskBySymbol;
  for (const Graph &P : Parts) {
    G.Sources.insert(G.Sources.end(), P.Sources.begin(), P.Sources.end());
    for (const TaskNode &T : P.Tasks) {
      TaskNode *Have = G.findTask(T.Name);
      if (!Have) {
        G.Tasks.push_back(T);
        TaskBySymbol[T.Symbol] = T.Name;
        continue;
      }
      if (!T.Symbol.empty() && !Have->Symbol.empty() &&
          T.Symbol != Have->Symbol)
        throw FormatError("two different functions are named task '" + T.Name +
                          "' (" + Have->Symbol + " and " + T.Symbol +
                          "); give one another name with "
                          "[[fusionize::task(\"name\")]]");
      if (T.Defined && Have->Defined)
        throw FormatError("task '" + T.Name + "' is defined twice (" +
                          Have->Loc.str() + " and " + T.Loc.str() + ")");
      if (T.Defined) // the defining file knows its body, cost, location
        *Have = T;
    }
    for (const FunctionSummary &F : P.Functions)
      Helpers.emplace(F.Symbol, &F);
    G.Unresolved.insert(G.Unresolved.end(), P.Unresolved.begin(),
                        P.Unresolved.end());
  }
  for (const Graph &P : Parts)
    for (const Edge &E : P.Edges)
      for (const CallSite &S : E.Sites)
        G.addCall(E.Caller, E.Callee, E.Kind, S);

  // task -> helper in another file -> ... -> task.
  for (const Graph &P : Parts) {
    for (const auto &Entry : P.ExternalCalls) {
      const std::string &TaskName = Entry.first;
      const std::vector<FunctionSummary::Call> &Calls = Entry.second;
      TaskNode *Caller = G.findTask(TaskName);
      if (!Caller)
        continue;
      std::set<std::string> OnPath;
      std::function<void(const FunctionSummary::Call &, double,
                         std::vector<std::string> &)>
          Follow = [&](const FunctionSummary::Call &C, double Mult,
                       std::vector<std::string> &Via) {
            double M = Mult * C.Calls;
            if (auto T = TaskBySymbol.find(C.Callee); T != TaskBySymbol.end()) {
              G.addCall(TaskName, T->second, C.Kind, CallSite{C.Loc, Via, M});
              return;
            }
            auto H = Helpers.find(C.Callee);
            if (H == Helpers.end() || !OnPath.insert(C.Callee).second)
              return; // a library function, or recursion
            Caller->SelfCost += M * H->second->Cost;
            Via.push_back(H->second->Name);
            for (const FunctionSummary::Call &Next : H->second->Calls)
              Follow(Next, M, Via);
            Via.pop_back();
            OnPath.erase(C.Callee);
          };
      for (const FunctionSummary::Call &C : Calls) {
        std::vector<std::string> Via;
        Follow(C, 1, Via);
      }
    }
  }
  // The merged graph is what other files need no more.
  for (const TaskNode &T : G.Tasks)
    if (!T.Defined)
      throw FormatError("task '" + T.Name + "' is declared at " + T.Loc.str() +
                        " but no analyzed file defines it");
  G.computeTotalCosts();
  return G;
}

} // namespace fusionize
