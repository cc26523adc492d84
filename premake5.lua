-- Kit's build convention (repo_build): link the pure-Python extension into the build tree.
-- humanoid_twin has no C++ or OGN nodes, so the extension folder is used as is; this file lets a
-- Kit/Isaac Sim repo tool chain (`repo build`) pick the extension up like NVIDIA's own pure-Python
-- extensions. NVIDIA's isaacsim.util.physics keeps its premake5.lua inside the extension folder and
-- links docs, data and the package; this one sits at the repository root (the design card's layout,
-- docs/architecture.md) and links config as well.
local ext = get_current_extension_info()
project_ext(ext)
    repo_build.prebuild_link {
        { "exts/humanoid_twin/config", ext.target_dir.."/config" },
        { "exts/humanoid_twin/docs", ext.target_dir.."/docs" },
        { "exts/humanoid_twin/data", ext.target_dir.."/data" },
        { "exts/humanoid_twin/humanoid_twin", ext.target_dir.."/humanoid_twin" },
    }
