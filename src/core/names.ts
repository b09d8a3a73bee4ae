/**
 * Names that become NATS subject tokens, stream names and folder names (studies, agents, trials):
 * spelled once, checked by the study schema, the message schemas and the subject builders alike.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const NAME_RULE = '1-64 letters, digits, _ or - (it names streams, subjects and folders)';
