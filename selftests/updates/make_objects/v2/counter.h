long count_next(void);
