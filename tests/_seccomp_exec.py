#!/usr/bin/python3
"""Loads a seccomp filter the way systemd builds it from a unit, then execs a command.

Used by tests/_unit_sandbox.ts to run a service's ExecStart under the unit's
SystemCallFilter, SystemCallErrorNumber, SystemCallArchitectures=native,
RestrictAddressFamilies, RestrictNamespaces, LockPersonality and
RestrictSUIDSGID (for chmod; systemd also covers creating set-id files, this
does not). Called after setpriv has set no_new_privs, so no privilege is needed.

    _seccomp_exec.py <policy.json> -- <command> [args...]

policy.json: {"allow": [syscall names], "errno": 1, "families": [1, 2, 10],
              "restrictNamespaces": true, "lockPersonality": true, "restrictSuidSgid": true}
"""
import ctypes
import json
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4
SCMP_CMP_MASKED_EQ = 7
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080
SET_ID_BITS = 0o6000
ENOSYS = 38


def act_errno(errno):
    return 0x00050000 | (errno & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: _seccomp_exec.py <policy.json> -- <command> [args...]")
    with open(sys.argv[1], encoding="utf-8") as f:
        policy = json.load(f)
    command = sys.argv[3:]

    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]

    ctx = lib.seccomp_init(act_errno(policy.get("errno", 1)))
    if not ctx:
        sys.exit("seccomp_init failed")

    def nr(name):
        return lib.seccomp_syscall_resolve_name(name.encode())

    def rule(action, name, *cmps):
        number = nr(name)
        if number < 0:
            return
        array = (ArgCmp * max(len(cmps), 1))(*cmps)
        rc = lib.seccomp_rule_add_array(ctx, action, number, len(cmps), array)
        if rc != 0:
            sys.exit(f"seccomp rule for {name} failed: {rc}")

    conditional = {"socket", "clone", "clone3", "unshare", "setns", "personality",
                   "chmod", "fchmod", "fchmodat", "fchmodat2"}
    allow = set(policy["allow"])
    for name in sorted(allow - conditional):
        rule(SCMP_ACT_ALLOW, name)

    # RestrictAddressFamilies: socket() only for the listed families.
    if "socket" in allow:
        for family in policy.get("families", []):
            rule(SCMP_ACT_ALLOW, "socket", ArgCmp(0, SCMP_CMP_EQ, family, 0))
    # RestrictNamespaces: no unshare or setns, clone only without namespace flags;
    # clone3 answers ENOSYS so the C library falls back to clone (as systemd does).
    if policy.get("restrictNamespaces"):
        if "clone" in allow:
            rule(SCMP_ACT_ALLOW, "clone", ArgCmp(0, SCMP_CMP_MASKED_EQ, NAMESPACE_FLAGS, 0))
        if "clone3" in allow:
            rule(act_errno(ENOSYS), "clone3")
    else:
        for name in ("clone", "clone3", "unshare", "setns"):
            if name in allow:
                rule(SCMP_ACT_ALLOW, name)
    # LockPersonality: only reading the persona (0xffffffff) or keeping Linux's (0).
    if "personality" in allow:
        if policy.get("lockPersonality"):
            rule(SCMP_ACT_ALLOW, "personality", ArgCmp(0, SCMP_CMP_EQ, 0xFFFFFFFF, 0))
            rule(SCMP_ACT_ALLOW, "personality", ArgCmp(0, SCMP_CMP_EQ, 0, 0))
        else:
            rule(SCMP_ACT_ALLOW, "personality")
    # RestrictSUIDSGID: no chmod that sets the set-user or set-group id bit.
    for name, mode_arg in (("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2)):
        if name in allow:
            if policy.get("restrictSuidSgid"):
                rule(SCMP_ACT_ALLOW, name, ArgCmp(mode_arg, SCMP_CMP_MASKED_EQ, SET_ID_BITS, 0))
            else:
                rule(SCMP_ACT_ALLOW, name)

    # Only the native architecture's table is in the filter (SystemCallArchitectures=native).
    rc = lib.seccomp_load(ctx)
    if rc != 0:
        sys.exit(f"seccomp_load failed: {rc}")
    os.execv(command[0], command)


main()
