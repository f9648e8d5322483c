/*
 * status_str.c - cc_enclave_res2_str(): words for every result code.
 * Built into both runtimes.
 */
#include "status.h"

const char *cc_enclave_res2_str(cc_enclave_result_t res)
{
    switch (res) {
    case CC_SUCCESS:
        return "success";
    case CC_ERROR_INVALID_CMD:
        return "invalid cmd";
    case CC_ERROR_SERVICE_NOT_EXIST:
        return "service not exist";
    case CC_ERROR_ENCLAVE_LOST:
        return "the enclave is gone (it crashed, was killed or stopped); destroy it and create a new one";
    case CC_ERROR_ENCLAVE_MAXIMUM:
        return "enclave maximum";
    case CC_ERROR_REGISTER_EXIST_SERVICE:
        return "register exist service";
    case CC_ERROR_TARGET_DEAD_FATAL:
        return "target dead fatal";
    case CC_ERROR_READ_DATA:
        return "read data";
    case CC_ERROR_WRITE_DATA:
        return "write data";
    case CC_ERROR_TRUNCATE_OBJECT:
        return "truncate object";
    case CC_ERROR_SEEK_DATA:
        return "seek data";
    case CC_ERROR_SYNC_DATA:
        return "sync data";
    case CC_ERROR_RENAME_OBJECT:
        return "rename object";
    case CC_ERROR_INVALID_ENCLAVE:
        return "the file is not a valid cgear enclave";
    case CC_ERROR_INVALID_PATH:
        return "the enclave file cannot be found or read";
    case CC_ERROR_INVALID_TYPE:
        return "unknown enclave type";
    case CC_ERROR_OUT_OF_TCS:
        return "all enclave threads are busy";
    case CC_ERROR_ECALL_NOT_ALLOWED:
        return "this ECALL is not allowed here (unknown id, or private and not allowed from this OCALL)";
    case CC_ERROR_OCALL_NOT_ALLOWED:
        return "OCALLs are only possible from inside an ECALL";
    case CC_ERROR_INVALID_ENCLAVE_ID:
        return "the enclave context is not in use (never created, or already destroyed)";
    case CC_ERROR_NDEBUG_ENCLAVE:
        return "ndebug enclave";
    case CC_ERROR_OUT_OF_EPC:
        return "out of epc";
    case CC_ERROR_NO_DEVICE:
        return "the device this engine needs is missing";
    case CC_ERROR_MEMORY_MAP_FAIL:
        return "memory map fail";
    case CC_ERROR_INVALID_METADATA:
        return "the enclave metadata (manifest or call window layout) is invalid";
    case CC_ERROR_INVALID_VERSION:
        return "invalid version";
    case CC_ERROR_INVALID_MISC:
        return "invalid misc";
    case CC_ERROR_INVALID_ATTRIBUTE:
        return "invalid attribute";
    case CC_ERROR_INVALID_CPUSVN:
        return "invalid cpusvn";
    case CC_ERROR_INVALID_ISVSVN:
        return "invalid isvsvn";
    case CC_ERROR_INVALID_KEYNAME:
        return "invalid keyname";
    case CC_ERROR_AE_INVALID_EPIDBLOB:
        return "ae invalid epidblob";
    case CC_ERROR_SERVICE_INVALID_PRIVILEGE:
        return "service invalid privilege";
    case CC_ERROR_EPID_MEMBER_REVOKED:
        return "epid member revoked";
    case CC_ERROR_UPDATE_NEEDED:
        return "update needed";
    case CC_ERROR_MC_NOT_FOUND:
        return "mc not found";
    case CC_ERROR_MC_NO_ACCESS_RIGHT:
        return "mc no access right";
    case CC_ERROR_MC_USED_UP:
        return "mc used up";
    case CC_ERROR_MC_OVER_QUOTA:
        return "mc over quota";
    case CC_ERROR_KDF_MISMATCH:
        return "kdf mismatch";
    case CC_ERROR_UNRECOGNIZED_PLATFORM:
        return "unrecognized platform";
    case CC_ERROR_UNSUPPORTED_CONFIG:
        return "unsupported config";
    case CC_ERROR_PCL_ENCRYPTED:
        return "pcl encrypted";
    case CC_ERROR_PCL_NOT_ENCRYPTED:
        return "pcl not encrypted";
    case CC_ERROR_PCL_MAC_MISMATCH:
        return "pcl mac mismatch";
    case CC_ERROR_PCL_SHA_MISMATCH:
        return "pcl sha mismatch";
    case CC_ERROR_PCL_GUID_MISMATCH:
        return "pcl guid mismatch";
    case CC_ERROR_UNSUPPORTED_ATT_KEY_ID:
        return "unsupported att key id";
    case CC_ERROR_ATT_KEY_CERTIFICATION_FAILURE:
        return "att key certification failure";
    case CC_ERROR_ATT_KEY_UNINITIALIZED:
        return "att key uninitialized";
    case CC_ERROR_INVALID_ATT_KEY_CERT_DATA:
        return "invalid att key cert data";
    case CC_ERROR_PLATFORM_CERT_UNAVAILABLE:
        return "platform cert unavailable";
    case CC_ERROR_RA_PRE_ENV_INVALID_SCENARIO:
        return "ra pre env invalid scenario";
    case CC_ERROR_RA_PROVISION_NO_AS:
        return "ra provision no attestation service";
    case CC_ERROR_RA_GET_REPORT:
        return "ra get report failed";
    case CC_ERROR_RA_REPORT_VERIFY_INVALID_TYPE:
        return "ra report verify invalid type";
    case CC_ERROR_RA_AGENT_NOT_INIT:
        return "ra agent not initialised";
    case CC_ERROR_RA_VERIFY_AGENT_NOT_INIT:
        return "ra verify agent not initialised";
    case CC_ERROR_LOCAL_REPORT_INVALID:
        return "local report invalid";
    case CC_ERROR_LOCAL_REPORT_HASH_MISMATCH:
        return "local report hash mismatch";
    case CC_ERROR_SEC_CHL_ENCRYPTED_LEN_INVALID:
        return "sec chl encrypted length invalid";
    case CC_ERROR_SEC_CHL_DECRYPT_SESSIONID_INVALID:
        return "sec chl decrypt session id invalid";
    case CC_ERROR_SEC_CHL_GEN_RANDOM:
        return "sec chl random generation failed";
    case CC_ERROR_SEC_CHL_WAITING_RECV_MSG:
        return "sec chl waiting for a message";
    case CC_ERROR_SEC_CHL_RECV_MSG_LEN_INVALID:
        return "sec chl received message length invalid";
    case CC_ERROR_SEC_CHL_GET_SVR_PUBKEY:
        return "sec chl get server public key failed";
    case CC_ERROR_SEC_CHL_PARSE_SVR_PUBKEY:
        return "sec chl parse server public key failed";
    case CC_ERROR_SEC_CHL_GET_PEER_EXCH_PARAM:
        return "sec chl get peer exchange parameters failed";
    case CC_ERROR_SEC_CHL_VERIFY_PEER_EXCH_BUF_SIGNATURE:
        return "sec chl peer exchange signature invalid";
    case CC_ERROR_SEC_CHL_INVALID_EXCH_BUF:
        return "sec chl invalid exchange buffer";
    case CC_ERROR_SEC_CHL_GEN_LOCAL_EXCH_PARAM:
        return "sec chl generate local exchange parameters failed";
    case CC_ERROR_DRIVE_SESSIONKEY:
        return "derive session key failed";
    case CC_ERROR_SEC_CHL_MEMORY:
        return "sec chl out of memory";
    case CC_ERROR_SEC_CHL_SET_PARAM_TO_PEER:
        return "sec chl set parameters to peer failed";
    case CC_ERROR_SEC_CHL_DESTROY_SVR:
        return "sec chl destroy server failed";
    case CC_ERROR_SEC_CHL_SVR_ALREADY_INIT:
        return "sec chl server already initialised";
    case CC_ERROR_SEC_CHL_SVR_INIT:
        return "sec chl server init failed";
    case CC_ERROR_SEC_CHL_CLI_NUM_EXCEED_MAX_LIMIT:
        return "sec chl client number exceeds the limit";
    case CC_ERROR_SEC_CHL_INIT_GET_TAID:
        return "sec chl init get taid failed";
    case CC_ERROR_SEC_CHL_INIT_VERIFY_REPORT:
        return "sec chl init verify report failed";
    case CC_ERROR_SEC_CHL_INVALID_REPORT:
        return "sec chl invalid report";
    case CC_ERROR_SEC_CHL_ENCLAVE_UNSEAL_ENC_KEY:
        return "sec chl enclave unseal encryption key failed";
    case CC_ERROR_SEC_CHL_INIT_SESSEION:
        return "sec chl init session failed";
    case CC_ERROR_FEATURE_FUNC_NOT_EXIST:
        return "feature function does not exist";
    case CC_ERROR_SWITCHLESS_INVALID_ARG_NUM:
        return "switchless invalid argument number";
    case CC_ERROR_SWITCHLESS_FUNCTION_NOT_EXIST:
        return "switchless function does not exist";
    case CC_ERROR_TSWITCHLESS_INIT_FAILED:
        return "trusted switchless init failed";
    case CC_ERROR_SWITCHLESS_INVALID_FUNCTION_ID:
        return "switchless invalid function id";
    case CC_ERROR_SWITCHLESS_TASK_POOL_FULL:
        return "the switchless task pool is full; try again later";
    case CC_ERROR_SWITCHLESS_INVALID_TASK_ID:
        return "switchless invalid task id";
    case CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED:
        return "the switchless task is still running";
    case CC_ERROR_SWITCHLESS_DISABLED:
        return "switchless calls are not enabled for this enclave";
    case CC_ERROR_SWITCHLESS_ROLLBACK2COMMON:
        return "switchless rollback2common";
    case CC_ERROR_SWITCHLESS_REINIT:
        return "switchless calls were configured twice (two ENCLAVE_FEATURE_SWITCHLESS entries)";
    case CC_ERROR_SHARED_MEMORY_REPEAT_REGISTER:
        return "shared memory repeat register";
    case CC_ERROR_SHARED_MEMORY_START_ADDR_INVALID:
        return "shared memory start addr invalid";
    case CC_ERROR_SHARED_MEMORY_NOT_REGISTERED:
        return "shared memory not registered";
    case CC_ERROR_ADDRESS_UNACCESSABLE:
        return "address unaccessable";
    case CC_ERROR_RA_PRE_ENV_INPUT:
        return "ra pre env input";
    case CC_ERROR_RA_GET_REPORT_INPUT:
        return "ra get report input";
    case CC_ERROR_RA_REPORT_VERIFY_INPUT:
        return "ra report verify input";
    case CC_ERROR_RA_REPORT_VERIFY_FAILED:
        return "ra report verify failed";
    case CC_ERROR_RA_REPORT_VERIFY_SIGNATURE:
        return "ra report verify signature";
    case CC_ERROR_RA_REPORT_VERIFY_HASH:
        return "ra report verify hash";
    case CC_ERROR_RA_REPORT_VERIFY_NONCE:
        return "ra report verify nonce";
    case CC_ERROR_RA_REPORT_VERIFY_BASEVALUE:
        return "ra report verify basevalue";
    case CC_ERROR_RA_REPORT_VERIFY_CERT:
        return "ra report verify cert";
    case CC_ERROR_RA_REPORT_VERIFY_DEBUG:
        return "ra report verify debug";
    case CC_ERROR_RA_REPORT_VERIFY_STALE:
        return "ra report verify stale";
    case CC_ERROR_RA_MEMORY:
        return "ra memory";
    case CC_ERROR_SEC_CHL_INVALID_CONN:
        return "sec chl invalid conn";
    case CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH:
        return "sec chl len not enough";
    case CC_ERROR_SEC_CHL_INVALID_SESSION:
        return "sec chl invalid session";
    case CC_ERROR_SEC_CHL_NOTREADY:
        return "sec chl notready";
    case CC_ERROR_SEC_CHL_ENCLAVE_UNSUPPORTED:
        return "sec chl enclave unsupported";
    case CC_ERROR_SEC_CHL_INIT_GET_PUBKEY:
        return "sec chl init get pubkey";
    case CC_ERROR_SEC_CHL_SEND_MSG:
        return "sec chl send msg";
    case CC_ERROR_SEC_CHL_RECV_MSG:
        return "sec chl recv msg";
    case CC_ERROR_SEC_CHL_GET_RA_REPORT:
        return "sec chl get ra report";
    case CC_ERROR_SEC_CHL_VERIFY_RA_REPORT:
        return "sec chl verify ra report";
    case CC_ERROR_SEC_CHL_SESSION_KEY:
        return "sec chl session key";
    case CC_ERROR_SEC_CHL_MAX_SESSIONS:
        return "sec chl max sessions";
    case CC_ERROR_SEC_CHL_ENCRYPT:
        return "sec chl encrypt";
    case CC_ERROR_SEC_CHL_DECRYPT:
        return "sec chl decrypt";
    case CC_ERROR_OTRP_BASE:
        return "otrp base";
    case CC_ERROR_STORAGE_EIO:
        return "storage eio";
    case CC_ERROR_STORAGE_EAGAIN:
        return "storage eagain";
    case CC_ERROR_STORAGE_ENOTDIR:
        return "storage enotdir";
    case CC_ERROR_STORAGE_EISDIR:
        return "storage eisdir";
    case CC_ERROR_STORAGE_ENFILE:
        return "storage enfile";
    case CC_ERROR_STORAGE_EMFILE:
        return "storage emfile";
    case CC_ERROR_STORAGE_EROFS:
        return "storage erofs";
    case CC_ERROR_STORAGE_INSE_NOTSUPPORT:
        return "storage inse notsupport";
    case CC_ERROR_STORAGE_INSE_ERROR:
        return "storage inse error";
    case CC_ERROR_STORAGE_NOT_FOUND:
        return "storage not found";
    case CC_ERROR_MSG_QUEUE_OVERFLOW:
        return "msg queue overflow";
    case CC_ERROR_STORAGE_NO_KEY_ID:
        return "storage no key id";
    case CC_ERROR_FILE_FLUSH_FAILED:
        return "file flush failed";
    case CC_ERROR_FILE_CLOSE_FAILED:
        return "file close failed";
    case CC_ERROR_ENGINE_UNAVAILABLE:
        return "the requested engine cannot run on this machine; run `cgear doctor` to see why";
    case CC_ERROR_PROTOCOL:
        return "the other side broke the call-window protocol";
    case CC_ERROR_ENCLAVE_CRASHED:
        return "the enclave crashed (fault in enclave code)";
    case CC_ERROR_SEC_CHL_REPLAY:
        return "sec chl replayed record";
    case CC_ERROR_SEC_CHL_SEQUENCE:
        return "sec chl record out of sequence (dropped or reordered)";
    case CC_ERROR_SEC_CHL_MALFORMED:
        return "sec chl malformed message";
    case CC_ERROR_SEC_CHL_EXPIRED:
        return "sec chl session expired";
    case CC_ERROR_SEC_CHL_CLOSED:
        return "sec chl session closed by the peer";
    case CC_ERROR_ENCLAVE_FORBIDDEN_SYSCALL:
        return "the enclave made a forbidden system call and was stopped";
    case CC_ERROR_CORRUPT_OBJECT:
        return "corrupt object";
    case CC_ERROR_STORAGE_NOT_AVAILABLE:
        return "storage not available";
    case CC_ERROR_CIPHERTEXT_INVALID:
        return "ciphertext invalid";
    case CC_ISOCKET_ERROR_PROTOCOL:
        return "isocket protocol";
    case CC_ISOCKET_ERROR_REMOTE_CLOSED:
        return "isocket remote closed";
    case CC_ISOCKET_ERROR_TIMEOUT:
        return "isocket timeout";
    case CC_ISOCKET_ERROR_OUT_OF_RESOURCES:
        return "isocket out of resources";
    case CC_ISOCKET_ERROR_LARGE_BUFFER:
        return "isocket large buffer";
    case CC_ISOCKET_WARNING_PROTOCOL:
        return "isocket warning protocol";
    case CC_ERROR_GENERIC:
        return "generic error";
    case CC_ERROR_ACCESS_DENIED:
        return "access denied";
    case CC_ERROR_CANCEL:
        return "cancel";
    case CC_ERROR_ACCESS_CONFLICT:
        return "access conflict";
    case CC_ERROR_EXCESS_DATA:
        return "excess data";
    case CC_ERROR_BAD_FORMAT:
        return "data is badly formatted";
    case CC_ERROR_BAD_PARAMETERS:
        return "invalid parameters";
    case CC_ERROR_BAD_STATE:
        return "operation not valid in the current state";
    case CC_ERROR_ITEM_NOT_FOUND:
        return "item not found";
    case CC_ERROR_NOT_IMPLEMENTED:
        return "not implemented";
    case CC_ERROR_NOT_SUPPORTED:
        return "not supported";
    case CC_ERROR_NO_DATA:
        return "no data";
    case CC_ERROR_OUT_OF_MEMORY:
        return "out of memory";
    case CC_ERROR_BUSY:
        return "busy";
    case CC_ERROR_COMMUNICATION:
        return "communication";
    case CC_ERROR_SECURITY:
        return "security";
    case CC_ERROR_SHORT_BUFFER:
        return "buffer too small";
    case CC_ERROR_EXTERNAL_CANCEL:
        return "external cancel";
    case CC_PENDING:
        return "pending";
    case CC_PENDING2:
        return "pending2";
    case CC_PENDING3:
        return "pending3";
    case CC_ERROR_TIMEOUT:
        return "timed out";
    case CC_ERROR_OVERFLOW:
        return "arithmetic overflow";
    case CC_ERROR_ENCLAVE_DEAD:
        return "the enclave is dead";
    case CC_ERROR_STORAGE_NO_SPACE:
        return "storage no space";
    case CC_ERROR_MAC_INVALID:
        return "integrity check failed (MAC mismatch): data was changed or belongs to another enclave or platform";
    case CC_ERROR_SIGNATURE_INVALID:
        return "signature verification failed";
    case CC_CLIENT_INTR:
        return "client intr";
    case CC_ERROR_TIME_NOT_SET:
        return "time not set";
    case CC_ERROR_TIME_NEEDS_RESET:
        return "time needs reset";
    case CC_FAIL:
        return "failure";
    case CC_ERROR_TIMER:
        return "timer";
    case CC_ERROR_TIMER_CREATE_FAILED:
        return "timer create failed";
    case CC_ERROR_TIMER_DESTORY_FAILED:
        return "timer destory failed";
    case CC_ERROR_TIMER_NOT_FOUND:
        return "timer not found";
    case CC_ERROR_RPMB_BASE:
        return "rpmb base";
    case CC_ERROR_TUI_BASE:
        return "tui base";
    case CC_ERROR_SEC_FLASH_NOT_AVAILABLE:
        return "sec flash not available";
    case CC_ERROR_SESRV_NOT_AVAILABLE:
        return "sesrv not available";
    case CC_ERROR_BIOSRV_NOT_AVAILABLE:
        return "biosrv not available";
    case CC_ERROR_ROTSRV_NOT_AVAILABLE:
        return "rotsrv not available";
    case CC_ERROR_ARTSRV_NOT_AVAILABLE:
        return "artsrv not available";
    case CC_ERROR_ANTIROOT_RSP_FAIL:
        return "antiroot rsp fail";
    case CC_ERROR_ANTIROOT_INVOKE_ERROR:
        return "antiroot invoke error";
    case CC_ERROR_AUDIT_FAIL:
        return "audit fail";
    case CC_ERROR_UNEXPECTED:
        return "unexpected";
    case CC_ERROR_INVALID_HANDLE:
        return "invalid handle";
    case CC_ERROR_NO_FIND_REGFUNC:
        return "no find regfunc";
    case CC_ERROR_NO_FIND_UNREGFUNC:
        return "no find unregfunc";
    default:
        return "unknown result code";
    }
}
