//===- FrontendFacts.cpp - What the plugin found, for the fusion pass
//------===//
#include "FrontendFacts.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace fusionize {

static const char *const FactsMD = "fusionize.frontend";

const TaskFacts *FrontendFacts::findTask(const std::string &Name) const {
  for (const TaskFacts &T : Tasks)
    if (T.Node.Name == Name)
      return &T;
  return nullptr;
}

Json FrontendFacts::toJson() const {
  Json J;
  J["version"] = 1;
  J["source"] = Source;
  Json &JT = J["tasks"] = Json::array();
  for (const TaskFacts &T : Tasks) {
    Json Params = Json::array();
    for (const TaskParam &P : T.Node.Params)
      Params.push_back(Json{{"name", P.Name}, {"type", P.Type}});
    JT.push_back(Json{{"name", T.Node.Name},
                      {"symbol", T.Node.Symbol},
                      {"signature", T.Node.Signature},
                      {"returns", T.Node.Returns},
                      {"returns_void", T.Node.ReturnsVoid},
                      {"noexcept", T.NoExcept},
                      {"params", Params},
                      {"location", T.Node.Loc.toJson()},
                      {"defined", T.Node.Defined},
                      {"glue", Json{{"info", T.Glue.Info},
                                    {"entry", T.Glue.Entry},
                                    {"remote", T.Glue.Remote},
                                    {"remote_async", T.Glue.RemoteAsync},
                                    {"local", T.Glue.Local},
                                    {"local_async", T.Glue.LocalAsync}}}});
  }
  J["graph"] = StaticGraph.toJson();
  return J;
}

FrontendFacts FrontendFacts::fromJson(const Json &J,
                                      const std::string &Origin) {
  FrontendFacts F;
  if (getInteger(J, "version", 0, Origin, "") != 1)
    throw FormatError(Origin + ": unsupported fusionize frontend facts "
                               "version (rebuild with this plugin)");
  F.Source = getString(J, "source", "", Origin, "");
  const Json &Tasks = getArray(J, "tasks", Origin, "");
  for (size_t I = 0; I < Tasks.size(); ++I) {
    std::string P = "tasks[" + std::to_string(I) + "]";
    const Json &T = Tasks[I];
    TaskFacts TF;
    TF.Node.Name = getString(T, "name", Origin, P);
    TF.Node.Symbol = getString(T, "symbol", Origin, P);
    TF.Node.Signature = getString(T, "signature", "", Origin, P);
    TF.Node.Returns = getString(T, "returns", "", Origin, P);
    TF.Node.ReturnsVoid = getBool(T, "returns_void", false, Origin, P);
    TF.NoExcept = getBool(T, "noexcept", false, Origin, P);
    TF.Node.Defined = getBool(T, "defined", false, Origin, P);
    for (const Json &Par : getArray(T, "params", Origin, P, false))
      TF.Node.Params.push_back({getString(Par, "name", "", Origin, P),
                                getString(Par, "type", "", Origin, P)});
    if (T.contains("location"))
      TF.Node.Loc = SourceLoc::fromJson(T["location"], Origin, P);
    const Json &G = requireField(T, "glue", Origin, P);
    TF.Glue.Info = getString(G, "info", "", Origin, P + ".glue");
    TF.Glue.Entry = getString(G, "entry", "", Origin, P + ".glue");
    TF.Glue.Remote = getString(G, "remote", "", Origin, P + ".glue");
    TF.Glue.RemoteAsync = getString(G, "remote_async", "", Origin, P + ".glue");
    TF.Glue.Local = getString(G, "local", "", Origin, P + ".glue");
    TF.Glue.LocalAsync = getString(G, "local_async", "", Origin, P + ".glue");
    F.Tasks.push_back(std::move(TF));
  }
  F.StaticGraph = Graph::fromJson(requireField(J, "graph", Origin, ""),
                                  Origin + " (graph)");
  return F;
}

void FrontendFacts::embed(Module &M) const {
  if (NamedMDNode *Old = M.getNamedMetadata(FactsMD))
    M.eraseNamedMetadata(Old);
  NamedMDNode *N = M.getOrInsertNamedMetadata(FactsMD);
  N->addOperand(MDNode::get(M.getContext(),
                            MDString::get(M.getContext(), toJson().dump())));
}

std::optional<FrontendFacts> FrontendFacts::read(const Module &M) {
  const NamedMDNode *N = M.getNamedMetadata(FactsMD);
  if (!N || N->getNumOperands() == 0)
    return std::nullopt;
  const MDNode *Node = N->getOperand(0);
  const auto *S = Node->getNumOperands()
                      ? dyn_cast<MDString>(Node->getOperand(0))
                      : nullptr;
  std::string Origin = M.getModuleIdentifier() + " (!fusionize.frontend)";
  if (!S)
    throw FormatError(Origin + ": expected one JSON string");
  return fromJson(parseJson(S->getString().str(), Origin), Origin);
}

} // namespace fusionize
