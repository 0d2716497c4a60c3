/** Versions of Microsoft.Authorization Keyless serves (arm-authorization 9.x sends 2022-04-01; scripts use the others). */
export const AUTHORIZATION_VERSIONS = [
  "2015-07-01",
  "2018-01-01-preview",
  "2018-09-01-preview",
  "2020-04-01-preview",
  "2020-10-01-preview",
  "2022-04-01",
  "2022-05-01-preview",
] as const;
