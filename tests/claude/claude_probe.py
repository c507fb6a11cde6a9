"""The probe plugin of tests/claude/test_claude_facts.py, written into a temporary directory: its
`probe` prints its argv, stdin, the time and a few variables (from `!` lines, the Bash tool and a
subagent's Bash tool); its hooks record the JSON they get on stdin, their CLAUDE_ENV_FILE and the
time, print a marker on stderr (and on stdout for SessionStart and UserPromptExpansion), and
answer as the plugin's own hooks would (context, a block, exports)."""

import json
import os
import re

PROBE = r"""#!/bin/sh
printf 'PROBE argc=%s time=%s\n' "$#" "$(date +%s%N)"
for a in "$@"; do printf 'ARG<%s>\n' "$a"; done
printf 'ROOT<%s> DATA<%s> SID<%s>\n' "${CLAUDE_PLUGIN_ROOT-unset}" "${CLAUDE_PLUGIN_DATA-unset}" \
  "${PROBE_SESSION-unset}"
printf 'PATH<%s>\n' "$PATH"
printf 'STDINTYPE<%s>\n' "$(stat -L -c %F /proc/$$/fd/0)"
if [ "$1" = "--stdin" ]; then printf 'STDIN<'; cat; printf '>\n'; fi
exit 0
"""
FAILING = "#!/bin/sh\necho 'probe stdout line'\necho 'probe: it failed; run the fix' >&2\nexit 3\n"
HOOK = r"""#!/bin/sh
event=$1
stat -L -c %F /proc/$$/fd/0 > "$PROBE_HOOK_DIR/stdin-type.$event"
input=$(cat)
now=$(date +%s%N)
printf '%s\n' "$input" > "$PROBE_HOOK_DIR/$event.$now.json"
printf '%s\n' "${CLAUDE_ENV_FILE-}" > "$PROBE_HOOK_DIR/env-file.$event.$now"
printf 'PROBE-%s-STDERR\n' "$event" >&2
case "$event" in
  SessionStart)
    printf 'PROBE-SESSIONSTART-STDOUT\n'
    [ -n "$CLAUDE_ENV_FILE" ] && if [ -n "${PROBE_RENAME-}" ]; then
      # A whole new file renamed over the old one, holding this start's source.
      source=$(printf '%s' "$input" | sed -n 's/.*"source":"\([a-z]*\)".*/\1/p')
      printf 'export PROBE_SESSION=renamed-%s\n' "$source" > "$CLAUDE_ENV_FILE.new.$$"
      mv "$CLAUDE_ENV_FILE.new.$$" "$CLAUDE_ENV_FILE"
    else
      {
        printf 'export CLAUDE_PLUGIN_ROOT=%s\n' "$CLAUDE_PLUGIN_ROOT"
        printf 'export CLAUDE_PLUGIN_DATA=%s\n' "$CLAUDE_PLUGIN_DATA"
        printf 'export PROBE_SESSION=exported-by-session-start\n'
      } >> "$CLAUDE_ENV_FILE"
    fi ;;
  UserPromptExpansion)
    printf 'PROBE-EXPANSION-STDOUT\n' ;;
  UserPromptSubmit)
    printf '%s\n' '{"hookSpecificOutput":{"hookEventName":"UserPromptSubmit","additionalContext":"PROBE-CONTEXT-LINE"}}' ;;
  Stop)
    case "$input" in
      *'"stop_hook_active":true'*) ;;
      *) printf '%s\n' '{"decision":"block","reason":"PROBE-STOP-REASON"}' ;;
    esac ;;
  SessionEnd)
    i=0
    while [ $i -lt 60 ]; do sleep 0.1; date +%s%N >> "$PROBE_HOOK_DIR/session-end-ticks"; i=$((i + 1)); done ;;
esac
exit 0
"""
COMMANDS = {
    "inline": "---\ndescription: inline probe\nallowed-tools: Bash(probe:*)\n---\n"
              '!`probe "$ARGUMENTS"`\n\nReport it.\n',
    "stdin": "---\ndescription: stdin probe\nallowed-tools: Bash(probe:*)\n---\n"
             "```!\nprobe --stdin <<'PROBE_END'\n$ARGUMENTS\nPROBE_END\n```\n\nReport it.\n",
    # The form the plugin uses: the blank line keeps Claude Code's permission check from reading
    # a trailing backslash of the text as a line continuation; $(…) drops trailing newlines.
    "comsub": "---\ndescription: one-argument probe\nallowed-tools: Bash(probe:*)\n---\n"
              "```!\nprobe \"$(cat <<'PROBE_END'\n$ARGUMENTS\n\nPROBE_END\n)\"\n```\n\nReport it.\n",
    "comsub-tight": "---\ndescription: one-argument probe\nallowed-tools: Bash(probe:*)\n---\n"
                    "```!\nprobe \"$(cat <<'PROBE_END'\n$ARGUMENTS\nPROBE_END\n)\"\n```\n\nOK.\n",
    "rootvar": "---\ndescription: plugin root probe\nallowed-tools: Bash(probe:*)\n---\n"
               "Text: ${CLAUDE_PLUGIN_ROOT}\n"
               '!`probe "${CLAUDE_PLUGIN_ROOT}" "${CLAUDE_PLUGIN_DATA}"`\n',
    "fail": "---\ndescription: failing probe\nallowed-tools: Bash(failing-probe:*)\n---\n"
            "!`failing-probe`\n\nReport it.\n",
    "model": "---\ndescription: model-run probe\nallowed-tools: Bash(probe:*), Agent\n---\n"
             "Raw:\n<raw>\n$ARGUMENTS\n</raw>\n",
    "sid": "---\ndescription: session id probe\nallowed-tools: Bash(probe:*)\n---\n"
           "Text: ${CLAUDE_SESSION_ID}\n"
           '!`probe ${CLAUDE_SESSION_ID}`\n',
}
AGENT = ("---\nname: probe-agent\ndescription: Runs the probe for tests.\ntools: Bash\n---\n\n"
         "PROBE-AGENT-BODY: run the probe once with Bash and return its output.\n")


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def make_probe_plugin(root, hooks):
    """A plugin named `probe` with the commands above; `hooks`: event -> hook timeout (s)."""
    write(os.path.join(root, ".claude-plugin", "plugin.json"),
          json.dumps({"name": "probe", "version": "1.0.0", "description": "test probe",
                      "author": {"name": "tests"}}))
    write(os.path.join(root, "bin", "probe"), PROBE, 0o755)
    write(os.path.join(root, "bin", "failing-probe"), FAILING, 0o755)
    write(os.path.join(root, "bin", "probe-hook"), HOOK, 0o755)
    for name, text in COMMANDS.items():
        write(os.path.join(root, "commands", f"{name}.md"), text)
    write(os.path.join(root, "agents", "probe-agent.md"), AGENT)
    if hooks:
        hook = '"${CLAUDE_PLUGIN_ROOT}/bin/probe-hook" '
        entries = {event: [{"hooks": [{"type": "command", "timeout": timeout,
                                       "command": hook + event}]}]
                   for event, timeout in hooks.items()}
        write(os.path.join(root, "hooks", "hooks.json"), json.dumps({"hooks": entries}))
    return root


def args_of(output):
    """The ARG<…> values the probe printed, in order."""
    return re.findall(r"ARG<(.*?)>\n", output, re.S)
