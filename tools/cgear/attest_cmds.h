/*
 * attest_cmds.h - the platform and attestation subcommands of the cgear
 * tool. Each takes the argument vector starting at its own name and returns
 * the exit status: 0 success, 1 the operation failed or the report was
 * rejected (reason on stderr), 2 usage error.
 */
#ifndef CGEAR_TOOL_ATTEST_CMDS_H
#define CGEAR_TOOL_ATTEST_CMDS_H

int cgear_platform_main(int argc, char **argv);
int cgear_attest_main(int argc, char **argv);

#endif
