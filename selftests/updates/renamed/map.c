/* Frames of send_binary continue in send_file; main's call site too. */
#include <upstare.h>

UPSTARE_MAP_FUNCTION("send_binary", "send_file");
UPSTARE_MAP_KEY("main", "send_binary#1", "send_file#1");
