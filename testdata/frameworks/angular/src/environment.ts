export const environment = { production: true, registryToken: "CgPlantEnv" };
