/* A static of the same name as prog.c's global count. */
static int count = 1000;

int other_count(void)
{
	return count;
}
