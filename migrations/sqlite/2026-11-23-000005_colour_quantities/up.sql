-- What a characteristic measures when it is a colour quantity: CIE 1931
-- chromaticity x or y (measured), or CCT, Duv and MacAdam steps (derived
-- from x and y when the product records them, measured directly otherwise).
ALTER TABLE characteristics ADD COLUMN quantity TEXT
    CHECK (quantity IN ('cie_x', 'cie_y', 'cct_k', 'duv', 'macadam_steps'));
