import mysql from 'mysql2/promise';
const c = await mysql.createConnection({host:'127.0.0.1',port:33701,user:'cutover',password:'cutover',multipleStatements:true});
await c.query(`DROP DATABASE IF EXISTS zt; CREATE DATABASE zt; USE zt;
CREATE TABLE t (
 id INT PRIMARY KEY,
 dt DATETIME(6), dt0 DATETIME, dt3 DATETIME(3),
 ts TIMESTAMP(6) NULL DEFAULT NULL, ts0 TIMESTAMP NULL DEFAULT NULL,
 d DATE, tm TIME(6), tm0 TIME, tm1 TIME(1),
 dec65 DECIMAL(65,30), dec5 DECIMAL(5,0), dec102 DECIMAL(10,2),
 ubig BIGINT UNSIGNED, sbig BIGINT, uint INT UNSIGNED, sint INT, tiny TINYINT, med MEDIUMINT, umed MEDIUMINT UNSIGNED,
 f FLOAT, db DOUBLE,
 j JSON,
 b1 BIT(1), b10 BIT(10), b64 BIT(64),
 e ENUM('a','b','c'), el ENUM('x','é','€') CHARACTER SET latin1,
 s SET('x','y','z'),
 y YEAR,
 g GEOMETRY,
 bl BLOB,
 vl VARCHAR(100) CHARACTER SET latin1,
 tl TEXT CHARACTER SET latin1,
 vg VARCHAR(100) CHARACTER SET gbk,
 tg MEDIUMTEXT CHARACTER SET gbk,
 vu VARCHAR(100) CHARACTER SET utf8mb4,
 vucs VARCHAR(20) CHARACTER SET ucs2,
 vu3 VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_uca1400_ai_ci,
 vucs14 VARCHAR(20) CHARACTER SET ucs2 COLLATE ucs2_uca1400_ai_ci,
 c CHAR(10) CHARACTER SET utf8mb4,
 bn BINARY(16), vb VARBINARY(16),
 vn VARCHAR(20) CHARACTER SET utf8mb4
) ENGINE=InnoDB`);
await c.end();
console.log('ok');
