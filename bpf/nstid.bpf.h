/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's id as the task itself sees it: in its own PID namespace (the
 * innermost level of its struct pid).  libupstare registers threads with
 * gettid(), which is that id; task->pid is the initial namespace's.  A
 * process made with CLONE_NEWPID is pid 1 to itself.
 */
#ifndef UPSTARE_NSTID_BPF_H
#define UPSTARE_NSTID_BPF_H

static __always_inline __u32 task_ns_tid(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up;

	if (level > 32 || bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level]))
		return 0;
	return up.nr;
}

#endif
