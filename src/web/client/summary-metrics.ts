// The counts the Summary report asks the metrics API for (SparkPost's names); the bench asks for
// the same, so it times what the page loads.
export const SUMMARY_COUNTS = [
  'count_targeted',
  'count_injected',
  'count_sent',
  'count_accepted',
  'count_delivered',
  'count_bounce',
  'count_hard_bounce',
  'count_soft_bounce',
  'count_block_bounce',
  'count_delayed_first',
  'count_rejected',
  'count_unique_confirmed_opened',
  'count_unique_clicked',
  'count_spam_complaint',
  'count_unsubscribe',
];
