/** `application_name` of each instance's LISTEN connection, as `pg_stat_activity` shows it. */
export const LISTENER_APPLICATION_NAME = 'phone-call-auth-listener';
