/* Statics of the same names as prog.c's global count and static limit. */
static int count = 1000;
static int limit = 500;

int other_count(void)
{
	return count + limit - 500;
}
