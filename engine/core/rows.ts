// Rows and values as every part of the engine passes them, whatever the endpoint.

/**
 * A value as the server sent it: a "byte string" whose char codes are the bytes (0–255, decoded as
 * latin1, which maps every byte to one code unit and back without loss), or null for NULL. Byte
 * strings are far cheaper for V8 than one Buffer per value.
 */
export type RawValue = string | null;

/** A row as the source stored it: one byte string per written column (see RawValue), NULL as null. */
export type RawRow = RawValue[];
