# Sourced by the build scripts: compile through ccache when it is installed, with paths
# taken relative to the checkout, so that another clone (CI's) reuses the same objects.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
