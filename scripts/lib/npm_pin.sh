# npm_pin PACKAGE VERSION: installs exactly that version into the project-local .deps/npm (never
# globally) unless it is already there. Sourced by scripts/setup and scripts/setup_release_tools;
# NPM_PIN_FLAGS adds flags to npm install (e.g. --ignore-scripts). Needs log() from the caller.
npm_dir="$PWD/.deps/npm"
npm_pin() {
  local have
  have=$(node -p "require('$npm_dir/node_modules/$1/package.json').version" 2>/dev/null || true)
  if [ "$have" != "$2" ]; then
    log "installing $1@$2 into .deps/npm"
    mkdir -p "$npm_dir"
    # shellcheck disable=SC2086
    npm install --prefix "$npm_dir" --save-exact --no-audit --no-fund --loglevel=error \
      ${NPM_PIN_FLAGS:-} "$1@$2" >/dev/null
  fi
}
