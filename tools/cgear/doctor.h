#ifndef CGEAR_TOOL_DOCTOR_H
#define CGEAR_TOOL_DOCTOR_H
/* `cgear doctor [--json]`: which engines can run here. Returns 0 if at
 * least one engine can run enclaves, 1 otherwise, 2 on bad usage. */
int cgear_doctor_main(int argc, char **argv);
#endif
