/** A phone number in E.164 form, e.g. `+79670311122`. */
export type E164 = string;
