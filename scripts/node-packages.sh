# Sourced by the scripts that run a pinned npm tool: install_node_packages DIR "PKG@VER ..."
# installs exactly those packages into DIR (under target/), again only when the list changes.
install_node_packages() {
    local dir="$1" packages="$2"
    if [ "$(cat "$dir/installed" 2>/dev/null)" != "$packages" ]; then
        echo "installing $packages into $dir"
        rm -rf "$dir"
        mkdir -p "$dir"
        # shellcheck disable=SC2086
        npm install --prefix "$dir" --no-audit --no-fund --silent $packages >/dev/null
        echo "$packages" > "$dir/installed"
    fi
}
