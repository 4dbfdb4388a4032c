-- db-scheduler's table (the shape its PostgreSQL DDL gives for the 16.x line): one row per
-- scheduled execution. A recurring task has exactly one row, and whichever instance flips
-- picked = true (with a version check) runs it: that is what makes "monthly billing" run once
-- per fire time across any number of servers. last_heartbeat is how a crashed instance's
-- execution is recognised as dead and revived elsewhere.
create table scheduled_tasks (
    task_name            text        not null,
    task_instance        text        not null,
    task_data            bytea,
    execution_time       timestamptz not null,
    picked               boolean     not null,
    picked_by            text,
    last_success         timestamptz,
    last_failure         timestamptz,
    consecutive_failures integer,
    last_heartbeat       timestamptz,
    version              bigint      not null,
    priority             smallint,
    primary key (task_name, task_instance)
);

create index scheduled_tasks_execution_time_idx on scheduled_tasks (execution_time);
create index scheduled_tasks_last_heartbeat_idx on scheduled_tasks (last_heartbeat);
create index scheduled_tasks_priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc);
