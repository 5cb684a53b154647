/* Version 2: the table's first entry renamed, its second one's function new. */
#define VERSION "v2"
#define OP_PUT2
#define OPS { { "fetch", op_get }, { "put", op_put2 } }
#define BANNER "second banner"
#include "../v1/prog.c"
