/*
 * secgear_urts.h - kept for secGear EDL files that say include "secgear_urts.h".
 *
 * Generated host and enclave code include the cgear headers they need by
 * themselves, so this header only has to exist and compile on both sides.
 */
#ifndef CGEAR_SECGEAR_URTS_H
#define CGEAR_SECGEAR_URTS_H
#include "status.h"
#endif
