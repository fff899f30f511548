//===- core/Plan.cpp - Fusion plans (fusionize-plan/1) --------------------===//
#include "core/Plan.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace fusionize {

static const char *const PlanFormat = "fusionize-plan/1";

bool Group::contains(const std::string &Task) const {
  return std::find(Tasks.begin(), Tasks.end(), Task) != Tasks.end();
}

const Group *Plan::findGroup(const std::string &Name) const {
  for (const Group &G : Groups)
    if (G.Name == Name)
      return &G;
  return nullptr;
}

Group *Plan::findGroup(const std::string &Name) {
  for (Group &G : Groups)
    if (G.Name == Name)
      return &G;
  return nullptr;
}

std::vector<const Group *> Plan::groupsOf(const std::string &Task) const {
  std::vector<const Group *> R;
  for (const Group &G : Groups)
    if (G.contains(Task))
      R.push_back(&G);
  return R;
}

const Group *Plan::homeOf(const std::string &Task) const {
  if (auto It = Routes.find(Task); It != Routes.end())
    if (const Group *G = findGroup(It->second); G && G->contains(Task))
      return G;
  for (const Group &G : Groups)
    if (G.contains(Task))
      return &G;
  return nullptr;
}

std::set<std::string> Plan::tasks() const {
  std::set<std::string> R;
  for (const Group &G : Groups)
    R.insert(G.Tasks.begin(), G.Tasks.end());
  return R;
}

static std::string listNames(const std::set<std::string> &Names) {
  std::string S;
  for (const std::string &N : Names)
    S += (S.empty() ? "" : ", ") + N;
  return S;
}

void Plan::validate(const std::set<std::string> &Known, bool AllowUnknown,
                    const std::string &Origin) const {
  std::set<std::string> InPlan = tasks();
  if (!AllowUnknown) {
    for (const Group &G : Groups)
      for (const std::string &T : G.Tasks)
        if (!Known.count(T))
          throw FormatError(
              Origin + ": group \"" + G.Name + "\" names unknown task \"" + T +
              "\"" +
              (Known.empty() ? std::string(" (the program has no tasks)")
                             : " (tasks are: " + listNames(Known) + ")") +
              "; a plan for several files needs \"scope\": \"program\"");
  }
  std::set<std::string> Missing;
  for (const std::string &T : Known)
    if (!InPlan.count(T))
      Missing.insert(T);
  if (!Missing.empty())
    throw FormatError(Origin + ": task" + (Missing.size() > 1 ? "s " : " ") +
                      listNames(Missing) +
                      (Missing.size() > 1 ? " are" : " is") +
                      " in no group of the plan; every task needs a group");
  for (const auto &[Task, GroupName] : Routes) {
    const Group *G = findGroup(GroupName);
    if (!G)
      throw FormatError(Origin + ": routes." + Task + ": unknown group \"" +
                        GroupName + "\"");
    if (!G->contains(Task))
      throw FormatError(Origin + ": routes." + Task + ": group \"" + GroupName +
                        "\" does not contain task \"" + Task + "\"");
  }
}

bool Plan::sameAs(const Plan &Other) const {
  auto Norm = [](const Plan &P) {
    std::vector<
        std::tuple<std::vector<std::string>, unsigned, unsigned, std::string>>
        R;
    for (const Group &G : P.Groups) {
      std::vector<std::string> T = G.Tasks;
      std::sort(T.begin(), T.end());
      // Homes matter: they decide where each function runs.
      std::string Homes;
      for (const std::string &Task : T)
        if (const Group *H = P.homeOf(Task); H == &G)
          Homes += Task + ",";
      R.emplace_back(T, G.MemoryMB, G.TimeoutS, Homes);
    }
    std::sort(R.begin(), R.end());
    return R;
  };
  return Norm(*this) == Norm(Other);
}

Json Plan::toJson() const {
  Json Doc;
  Doc["format"] = PlanFormat;
  if (Scope != "translation-unit")
    Doc["scope"] = Scope;
  Json &JG = Doc["groups"] = Json::array();
  for (const Group &G : Groups)
    JG.push_back(Json{{"name", G.Name},
                      {"tasks", G.Tasks},
                      {"memory_mb", G.MemoryMB},
                      {"timeout_s", G.TimeoutS}});
  if (!Routes.empty()) {
    Json R = Json::object();
    for (const auto &[T, G] : Routes)
      R[T] = G;
    Doc["routes"] = R;
  }
  for (auto It = Extra.begin(); It != Extra.end(); ++It)
    if (!Doc.contains(It.key()))
      Doc[It.key()] = It.value();
  return Doc;
}

Plan Plan::fromJson(const Json &Doc, const std::string &Origin) {
  expectFormat(Doc, PlanFormat, Origin);
  Plan P;
  P.Scope = getString(Doc, "scope", "translation-unit", Origin, "");
  if (P.Scope != "translation-unit" && P.Scope != "program")
    throw FormatError(Origin +
                      ": scope: expected \"program\" or "
                      "\"translation-unit\", got \"" +
                      P.Scope + "\"");
  const Json &Groups = getArray(Doc, "groups", Origin, "");
  if (Groups.empty())
    throw FormatError(Origin + ": groups: a plan needs at least one group");
  for (size_t I = 0; I < Groups.size(); ++I) {
    std::string Path = "groups[" + std::to_string(I) + "]";
    const Json &J = Groups[I];
    Group G;
    G.Name = getString(J, "name", Origin, Path);
    if (!isValidName(G.Name))
      throw FormatError(Origin + ": " + Path + ".name: \"" + G.Name +
                        "\" is not a valid group name ([A-Za-z0-9_-]{1,64})");
    if (P.findGroup(G.Name))
      throw FormatError(Origin + ": " + Path + ": duplicate group \"" + G.Name +
                        "\"");
    const Json &Tasks = getArray(J, "tasks", Origin, Path);
    if (Tasks.empty())
      throw FormatError(Origin + ": " + Path + ".tasks: group \"" + G.Name +
                        "\" has no tasks");
    for (size_t K = 0; K < Tasks.size(); ++K) {
      if (!Tasks[K].is_string())
        throw FormatError(Origin + ": " + Path + ".tasks[" + std::to_string(K) +
                          "]: expected a task name");
      std::string T = Tasks[K].get<std::string>();
      if (G.contains(T))
        throw FormatError(Origin + ": " + Path + ".tasks: task \"" + T +
                          "\" listed twice");
      G.Tasks.push_back(T);
    }
    int64_t Mem = getInteger(J, "memory_mb", DefaultMemoryMB, Origin, Path);
    if (Mem < MinMemoryMB || Mem > MaxMemoryMB)
      throw FormatError(Origin + ": " + Path + ".memory_mb: " +
                        std::to_string(Mem) + " is outside 128..10240");
    G.MemoryMB = static_cast<unsigned>(Mem);
    int64_t Tmo = getInteger(J, "timeout_s", DefaultTimeoutS, Origin, Path);
    if (Tmo < 1 || Tmo > MaxTimeoutS)
      throw FormatError(Origin + ": " + Path + ".timeout_s: " +
                        std::to_string(Tmo) + " is outside 1..900");
    G.TimeoutS = static_cast<unsigned>(Tmo);
    P.Groups.push_back(std::move(G));
  }
  if (Doc.contains("routes")) {
    const Json &R = Doc["routes"];
    if (!R.is_object())
      throw FormatError(Origin + ": routes: expected an object {task: group}");
    for (auto It = R.begin(); It != R.end(); ++It) {
      if (!It.value().is_string())
        throw FormatError(Origin + ": routes." + It.key() +
                          ": expected a group name");
      P.Routes[It.key()] = It.value().get<std::string>();
    }
  }
  for (auto It = Doc.begin(); It != Doc.end(); ++It)
    if (It.key() != "format" && It.key() != "scope" && It.key() != "groups" &&
        It.key() != "routes")
      P.Extra[It.key()] = It.value();
  // Routes must name groups that hold the task, whatever the task set.
  for (const auto &[Task, GroupName] : P.Routes) {
    const Group *G = P.findGroup(GroupName);
    if (!G || !G->contains(Task))
      throw FormatError(Origin + ": routes." + Task + ": group \"" + GroupName +
                        "\" " +
                        (G ? "does not contain the task" : "does not exist"));
  }
  return P;
}

Plan Plan::load(const std::string &Path) {
  return fromJson(readJsonFile(Path), Path);
}

void Plan::save(const std::string &Path) const {
  writeJsonFile(Path, toJson());
}

Plan Plan::onePerTask(const Graph &G, unsigned MemoryMB) {
  Plan P;
  for (const TaskNode &T : G.Tasks)
    P.Groups.push_back(Group{T.Name, {T.Name}, MemoryMB, DefaultTimeoutS});
  return P;
}

Plan Plan::allInOne(const Graph &G, unsigned MemoryMB) {
  Plan P;
  Group One{"all", {}, MemoryMB, DefaultTimeoutS};
  for (const TaskNode &T : G.Tasks)
    One.Tasks.push_back(T.Name);
  P.Groups.push_back(std::move(One));
  return P;
}

Plan staticPlan(const Graph &G, const StaticPlanOptions &Opts) {
  Plan P;
  P.Scope = Opts.Scope;
  Json Why = Json::array();
  auto Fmt = [](double V) {
    std::ostringstream S;
    S.precision(6);
    S << V;
    return S.str();
  };

  // A task joins its callers' groups when every call to it is synchronous
  // and it is cheap; otherwise it leads a group of its own.
  std::set<std::string> Joins;
  for (const TaskNode &T : G.Tasks) {
    if (!T.Defined)
      continue; // another file places it
    auto In = G.incoming(T.Name);
    bool Called = false, AllSync = true;
    for (const Edge *E : In) {
      if (E->Caller == T.Name)
        continue;
      Called = true;
      AllSync &= E->Kind == EdgeKind::Sync;
    }
    if (!Called) {
      Why.push_back(T.Name + ": own group (entry point: nothing calls it)");
      continue;
    }
    if (!AllSync) {
      Why.push_back(T.Name + ": own group (called asynchronously)");
      continue;
    }
    if (T.TotalCost >= Opts.ExpensiveCost) {
      Why.push_back(T.Name + ": own group (expensive: cost " +
                    Fmt(T.TotalCost) + " >= " + Fmt(Opts.ExpensiveCost) + ")");
      continue;
    }
    Joins.insert(T.Name);
  }

  // Each leader's group holds the joining tasks it reaches synchronously.
  std::map<std::string, std::vector<std::string>> Members;
  std::set<std::string> Placed;
  for (const TaskNode &T : G.Tasks) {
    if (Joins.count(T.Name) || !T.Defined)
      continue;
    std::vector<std::string> &M = Members[T.Name];
    M.push_back(T.Name);
    Placed.insert(T.Name);
    std::function<void(const std::string &)> Pull = [&](const std::string &N) {
      for (const Edge *E : G.outgoing(N)) {
        if (E->Kind != EdgeKind::Sync || !Joins.count(E->Callee))
          continue;
        if (std::find(M.begin(), M.end(), E->Callee) != M.end())
          continue;
        M.push_back(E->Callee);
        Placed.insert(E->Callee);
        Pull(E->Callee);
      }
    };
    Pull(T.Name);
  }
  for (const TaskNode &T : G.Tasks) {
    if (Members.count(T.Name)) {
      P.Groups.push_back(
          Group{T.Name, Members[T.Name], Opts.MemoryMB, Opts.TimeoutS});
    }
  }
  // Joining tasks nobody outside their own cycle reaches get a group, too.
  for (const TaskNode &T : G.Tasks)
    if (T.Defined && !Placed.count(T.Name)) {
      P.Groups.push_back(Group{T.Name, {T.Name}, Opts.MemoryMB, Opts.TimeoutS});
      Why.push_back(T.Name + ": own group (only reached from its own cycle)");
    }
  for (const std::string &T : Joins) {
    auto In = P.groupsOf(T);
    if (In.empty())
      continue;
    std::string Where;
    for (const Group *Gr : In)
      Where += (Where.empty() ? "" : ", ") + Gr->Name;
    const TaskNode *N = G.findTask(T);
    Why.push_back(T + ": fused into " + Where +
                  " (called synchronously, cost " + Fmt(N ? N->TotalCost : 0) +
                  " < " + Fmt(Opts.ExpensiveCost) + ")" +
                  (In.size() > 1 ? "; home " + In.front()->Name : ""));
  }
  P.Extra["planner"] = "static";
  P.Extra["explanation"] = Why;
  return P;
}

bool parseMemorySizes(const std::string &Text, std::vector<unsigned> &Out,
                      std::string &Err) {
  Out.clear();
  std::stringstream S(Text);
  std::string Item;
  while (std::getline(S, Item, ',')) {
    char *End = nullptr;
    unsigned long V = std::strtoul(Item.c_str(), &End, 10);
    if (Item.empty() || !End || *End || V < MinMemoryMB || V > MaxMemoryMB) {
      Err = "--memory-sizes: \"" + Item +
            "\" is not a memory size in 128..10240 MB";
      return false;
    }
    Out.push_back(unsigned(V));
  }
  std::sort(Out.begin(), Out.end());
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  if (Out.empty()) {
    Err = "--memory-sizes: the list is empty";
    return false;
  }
  return true;
}

} // namespace fusionize
