#!/usr/bin/env python3
"""Tests of scripts/lint_rules.py: each rule fails a planted violation and passes the allowed
forms, so the lint that guards the tree (ctest lint.project_rules) can fail."""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import lint_rules  # noqa: E402  (found through the path set just above)


def problems(rel, text):
    return list(lint_rules.check_text(rel, text))


class EnvSeamRule(unittest.TestCase):
    def test_a_planted_default_env_outside_main_fails(self):
        found = problems("src/jobs/planted.cc", "  sys::Env& env = sys::default_env();\n")
        self.assertEqual(len(found), 1, found)
        self.assertIn("src/jobs/planted.cc:1: default_env() outside main", found[0])

    def test_default_env_is_allowed_in_main_and_in_sys_env(self):
        for rel in ("src/cli/main.cc", "src/sys/env.cc", "src/sys/env.h"):
            self.assertEqual(problems(rel, "return dispatch(sys::default_env(), args);\n"), [])

    def test_a_planted_call_of_each_env_function_outside_sys_fails(self):
        for name in lint_rules.ENV_FUNCTIONS:
            with self.subTest(name=name):
                found = problems("src/broker/planted.cc", f"  (void)sys::{name}(path);\n")
                self.assertEqual(len(found), 1, found)
                self.assertIn("sys:: function that sys::Env has", found[0])

    def test_the_list_names_every_env_method_the_sys_functions_share(self):
        for name in ("read_file", "remove_file", "path_exists", "spawn", "signal_group",
                     "monotonic_ms", "now_ms", "sleep_ms", "process_start_time", "run_command",
                     "find_executable", "real_path", "is_directory"):
            self.assertIn(name, lint_rules.ENV_FUNCTIONS)

    def test_calls_on_an_env_and_inside_sys_pass(self):
        self.assertEqual(problems("src/store/x.cc", "  (void)env.remove_file(path);\n"), [])
        self.assertEqual(problems("src/store/x.cc", "  store.env().sleep_ms(5);\n"), [])
        self.assertEqual(problems("src/sys/env.cc", "  return sys::remove_file(path);\n"), [])

    def test_pure_helpers_and_comments_pass(self):
        text = ("  auto p = sys::join_path(sys::dirname_of(a), b);\n"
                "  // sys::remove_file(p) would bypass the seam\n"
                "  auto t = sys::iso_time(env.now_ms());\n")
        self.assertEqual(problems("src/cli/x.cc", text), [])

    def test_a_longer_name_is_not_taken_for_an_env_function(self):
        self.assertEqual(problems("src/rpc/x.cc", "  sys::spawn_supervised(options);\n"), [])


class OsCallRule(unittest.TestCase):
    def test_a_planted_os_call_outside_sys_fails(self):
        found = problems("src/jobs/planted.cc", "  ::unlink(path.c_str());\n")
        self.assertEqual(len(found), 1, found)
        self.assertIn("OS call outside src/sys/", found[0])


class TheTree(unittest.TestCase):
    def test_the_sources_of_this_checkout_pass(self):
        found = [p for path in lint_rules.sources() for p in lint_rules.check(path)]
        self.assertEqual(found, [])


if __name__ == "__main__":
    unittest.main()
