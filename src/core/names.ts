/**
 * Names that become NATS subject tokens, stream names and folder names (studies, agents, trials):
 * spelled once, checked by the study schema, the message schemas and the subject builders alike.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const NAME_RULE = '1-64 letters, digits, _ or - (it names streams, subjects and folders)';

/** A dataset's content hash: sha256, lowercase hex. It names a cache folder, so nothing else passes. */
export const DATASET_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** The object a dataset travels as in the object store: its hash and a fixed suffix. */
export const DATASET_OBJECT_SUFFIX = '.skewer-dataset';
/** A manifest's file name inside its dataset folder: one plain name, no separators, not `.` or `..`. */
export const PLAIN_FILE_NAME_PATTERN = /^(?!\.{1,2}$)[^/\\\0]{1,255}$/;
/** A pretrained encoder's cache key (sha256, lowercase hex): it names a cache folder and an object. */
export const ENCODER_KEY_PATTERN = /^[0-9a-f]{64}$/;
/** The object a pretrained encoder travels as in the object store: its key and a fixed suffix. */
export const ENCODER_OBJECT_SUFFIX = '.skewer-encoder';
