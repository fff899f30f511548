# fusionize_add_application(NAME SOURCES src... [PLAN file] [PROFILE trace...]
#                           [OBJECTIVE spec] [PLANNER name] [EMULATION profile]
#                           [LINK_LIBRARIES lib...])
#
# Builds, from one set of sources with [[fusionize::task]] functions:
#   NAME                   the monolith: every call local (debugging; if the
#                          sources have no main(), the runtime's main serves
#                          every task)
#   NAME.fusion/<group>    one executable per fusion group
#   NAME.fusion/manifest.json   (fusionize-manifest/1) for `fusionize run`
#
# The plan: PLAN as given; else PROFILE (traces) planned by `fusionize plan`
# over the whole-program graph; else the static plan of `fusionize analyze`.
# Every source is compiled with clang 19 and -fplugin=fusionize.so.
# LINK_LIBRARIES are linked into the monolith and every group executable
# (targets or -l flags); their usage requirements apply to the sources.
#
# After the call, the target property FUSION_MANIFEST of NAME holds the
# manifest's path and the target NAME_fusion builds the group executables
# (part of ALL).
include_guard(GLOBAL)

# The link arguments of LINK_LIBRARIES for `fusionize link`: library files of
# targets (interface libraries followed to what they link), -l for names.
function(_fusionize_link_items out)
  set(items)
  set(seen)
  set(todo ${ARGN})
  while(todo)
    list(POP_FRONT todo lib)
    # $<LINK_ONLY:x> in interface properties means x.
    if(lib MATCHES "^\\$<LINK_ONLY:(.*)>$")
      set(lib "${CMAKE_MATCH_1}")
    endif()
    if(lib IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${lib}")
    if(TARGET ${lib})
      get_target_property(aliased ${lib} ALIASED_TARGET)
      if(aliased)
        set(lib ${aliased})
      endif()
      get_target_property(type ${lib} TYPE)
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        list(APPEND items "$<TARGET_LINKER_FILE:${lib}>")
        if(type STREQUAL "SHARED_LIBRARY")
          list(APPEND items "-Wl,-rpath,$<TARGET_FILE_DIR:${lib}>")
        endif()
      endif()
      # What it needs in turn (an interface library is only that).
      get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(APPEND todo ${deps})
      endif()
    elseif(lib MATCHES "^\\$<")
      # Another generator expression: not evaluable outside a link step.
      message(WARNING "fusionize_add_application: cannot pass ${lib} to the "
                      "group links; link it by name or target")
    elseif(lib MATCHES "^-")
      list(APPEND items "${lib}")
    elseif(IS_ABSOLUTE "${lib}")
      list(APPEND items "${lib}")
    else()
      list(APPEND items "-l${lib}")
    endif()
  endwhile()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

function(fusionize_add_application NAME)
  cmake_parse_arguments(PARSE_ARGV 1 FZ ""
    "PLAN;OBJECTIVE;PLANNER;EMULATION" "SOURCES;PROFILE;LINK_LIBRARIES")
  if(FZ_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "fusionize_add_application(${NAME}): unknown "
                        "arguments: ${FZ_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT FZ_SOURCES)
    message(FATAL_ERROR "fusionize_add_application(${NAME}): SOURCES is empty")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR
     NOT CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 19 OR
     CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 20)
    message(FATAL_ERROR "fusionize_add_application(${NAME}): the sources must "
      "be compiled by clang 19, which loads the fusionize plugin; this build "
      "uses ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}. Configure "
      "with -DCMAKE_CXX_COMPILER=clang++-19.")
  endif()
  foreach(t Fusionize::runtime Fusionize::main Fusionize::plugin Fusionize::fusionize)
    if(NOT TARGET ${t})
      message(FATAL_ERROR "fusionize_add_application: ${t} is missing; use "
                          "find_package(Fusionize CONFIG REQUIRED) first")
    endif()
  endforeach()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.fusion")
  file(MAKE_DIRECTORY "${dir}")
  set(sources)
  foreach(src IN LISTS FZ_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE)
    list(APPEND sources "${abs}")
  endforeach()

  # The translation units, compiled once with the plugin: X.o (monolith) and
  # X.o.fusion/<group>.o for every group.
  set(objs ${NAME}_fusion_objects)
  add_library(${objs} OBJECT ${sources})
  target_link_libraries(${objs} PUBLIC Fusionize::runtime ${FZ_LINK_LIBRARIES})
  set_target_properties(${objs} PROPERTIES EXPORT_COMPILE_COMMANDS ON)
  get_target_property(plugin_imported Fusionize::plugin IMPORTED)
  if(NOT plugin_imported)
    add_dependencies(${objs} Fusionize::plugin) # built in this project
  endif()

  # The plan.
  if(FZ_PLAN)
    get_filename_component(plan "${FZ_PLAN}" ABSOLUTE)
    if(NOT EXISTS "${plan}")
      message(FATAL_ERROR "fusionize_add_application(${NAME}): PLAN "
                          "${FZ_PLAN} does not exist")
    endif()
  else()
    set(graph "${dir}/graph.json")
    set(plan "${dir}/plan.json")
    set(plan_cmds
      COMMAND Fusionize::fusionize analyze -q -p "${CMAKE_BINARY_DIR}"
              --graph "${graph}" --plan "${dir}/static-plan.json" ${sources})
    if(FZ_PROFILE)
      set(profiles)
      foreach(p IN LISTS FZ_PROFILE)
        get_filename_component(abs "${p}" ABSOLUTE)
        list(APPEND profiles --profile "${abs}")
      endforeach()
      set(opts)
      if(FZ_OBJECTIVE)
        list(APPEND opts --objective "${FZ_OBJECTIVE}")
      endif()
      if(FZ_PLANNER)
        list(APPEND opts --planner "${FZ_PLANNER}")
      endif()
      if(FZ_EMULATION)
        list(APPEND opts --emulation "${FZ_EMULATION}")
      endif()
      list(APPEND plan_cmds
        COMMAND Fusionize::fusionize plan --graph "${graph}" ${profiles}
                --scope program ${opts} -o "${plan}")
    else()
      list(APPEND plan_cmds
        COMMAND ${CMAKE_COMMAND} -E copy "${dir}/static-plan.json" "${plan}")
    endif()
    add_custom_command(OUTPUT "${plan}" "${graph}"
      ${plan_cmds}
      DEPENDS ${sources} ${FZ_PROFILE}
      COMMENT "Planning ${NAME} (fusionize analyze)"
      VERBATIM)
    add_custom_target(${NAME}_fusion_plan DEPENDS "${plan}")
    add_dependencies(${objs} ${NAME}_fusion_plan)
  endif()
  target_compile_options(${objs} PRIVATE
    "-fplugin=$<TARGET_FILE:Fusionize::plugin>"
    "-fplugin-arg-fusionize-plan=${plan}")
  # Recompile when the plan or the plugin changes (OBJECT_DEPENDS takes no
  # generator expressions, so the plugin's path is looked up here).
  get_property(plugin_file GLOBAL PROPERTY FUSIONIZE_PLUGIN_FILE)
  if(NOT plugin_file)
    get_target_property(plugin_file Fusionize::plugin LOCATION)
  endif()
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${objs} APPEND PROPERTY
    OBJECT_DEPENDS "${plan};${plugin_file}")

  # The monolith. The runtime's main() is only pulled from its archive when
  # the sources define none.
  add_executable(${NAME} $<TARGET_OBJECTS:${objs}>)
  target_link_libraries(${NAME} PRIVATE Fusionize::main Fusionize::runtime
                        ${FZ_LINK_LIBRARIES})

  # One executable per group, and the manifest.
  _fusionize_link_items(link_items ${FZ_LINK_LIBRARIES})
  set(graph_arg)
  if(graph)
    set(graph_arg --graph "${graph}")
  endif()
  add_custom_command(OUTPUT "${dir}/manifest.json"
    COMMAND Fusionize::fusionize link --name ${NAME} --out-dir "${dir}"
            --cxx "${CMAKE_CXX_COMPILER}"
            --runtime-lib-dir "$<TARGET_FILE_DIR:Fusionize::runtime>"
            --monolith "$<TARGET_FILE:${NAME}>" ${graph_arg}
            "$<TARGET_OBJECTS:${objs}>" -- ${link_items}
    DEPENDS ${objs} "$<TARGET_OBJECTS:${objs}>" Fusionize::runtime
            Fusionize::main Fusionize::fusionize ${NAME}
    COMMENT "Linking the fusion groups of ${NAME}"
    COMMAND_EXPAND_LISTS VERBATIM)
  add_custom_target(${NAME}_fusion ALL DEPENDS "${dir}/manifest.json")
  set_target_properties(${NAME} PROPERTIES FUSION_MANIFEST "${dir}/manifest.json")
endfunction()
